//! Model files cannot be loaded into fixed layers.

use super::ModelError;
use crate::layers::Layer;

/// `Err` naming the first [`Fixed`](crate::Fixed) layer of the program.
pub(crate) fn refuse_fixed<M: Layer>(model: &M) -> Result<(), ModelError> {
    let (mut index, mut fixed) = (0, None);
    model.describe(&mut |info| {
        if info.fixed && fixed.is_none() {
            fixed = Some(index);
        }
        index += 1;
    });
    fixed.map_or(Ok(()), |layer| Err(ModelError::FixedLayer { layer }))
}
