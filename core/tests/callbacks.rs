//! Each callback on scripted metric sequences, epoch by epoch, against Keras' rules
//! (keras/src/callbacks/early_stopping.py, reduce_lr_on_plateau.py, model_checkpoint.py).

use tinymlp::eval::*;
use tinymlp::layers::*;
use tinymlp::numeric::*;
use tinymlp::train::callbacks::*;
use tinymlp::train::optim::*;
use tinymlp::train::*;
use tinymlp::*;

type M = Dense<1, 1>;

/// A model whose single weight records the epoch it was saved at.
fn model_at(epoch: u32) -> M {
    Dense::from_parts([[epoch as f32]], [0.0], Activation::Linear)
}

fn logs(epoch: u32, val_loss: f32, val_auc: f32, lr: f32) -> EpochLogs {
    EpochLogs {
        epoch,
        loss: val_loss + 0.1,
        accuracy: Some(0.9),
        auc: Some(0.95),
        val: Some(Evaluation { loss: val_loss, accuracy: Some(0.9), auc: Some(val_auc), rows: 10 }),
        learning_rate: lr,
    }
}

/// Runs a callback over `val_loss` values; returns (epochs run, final model, lrs seen).
fn drive<C: Callback<M>>(cb: &mut C, val_loss: &[f32], val_auc: &[f32]) -> (u32, M, Vec<f32>) {
    let mut model = model_at(0);
    cb.on_train_begin(&model);
    let mut lr = 1.0;
    let mut lrs = Vec::new();
    let mut run = 0;
    for (e, (&l, &a)) in val_loss.iter().zip(val_auc).enumerate() {
        model = model_at(e as u32);
        lrs.push(lr);
        let mut control = Control { stop: false, learning_rate: lr };
        cb.on_epoch_end(&mut model, &logs(e as u32, l, a, lr), &mut control);
        lr = control.learning_rate;
        run = e as u32 + 1;
        if control.stop {
            break;
        }
    }
    cb.on_train_end(&mut model);
    (run, model, lrs)
}

const AUC: [f32; 12] = [0.5; 12];

#[test]
fn early_stopping_stops_after_patience_and_restores_the_best() {
    // best at epoch 1 (0.8); epochs 2 and 3 do not improve → stop after epoch 3.
    let mut es = EarlyStopping::<M>::new(Monitor::ValLoss, 2).restore_best_weights();
    let (run, model, _) = drive(&mut es, &[1.0, 0.8, 0.9, 0.85, 0.7], &AUC);
    assert_eq!(run, 4);
    assert_eq!(es.stopped_epoch(), Some(3));
    assert_eq!(es.best(), Some((1, 0.8)));
    assert_eq!(model.weight[0][0], 1.0, "the weights of epoch 1");
}

#[test]
fn early_stopping_without_restore_keeps_the_last_weights() {
    let mut es = EarlyStopping::<M>::new(Monitor::ValLoss, 2);
    let (run, model, _) = drive(&mut es, &[1.0, 0.8, 0.9, 0.85, 0.7], &AUC);
    assert_eq!(run, 4);
    assert_eq!(model.weight[0][0], 3.0);
}

#[test]
fn early_stopping_restores_even_when_epochs_run_out() {
    // Keras restores only when the stop triggers; here the best epoch wins anyway.
    let mut es = EarlyStopping::<M>::new(Monitor::ValLoss, 10).restore_best_weights();
    let (run, model, _) = drive(&mut es, &[1.0, 0.5, 0.7, 0.6], &AUC);
    assert_eq!(run, 4);
    assert_eq!(es.stopped_epoch(), None);
    assert_eq!(model.weight[0][0], 1.0);
}

#[test]
fn early_stopping_min_delta_and_max_mode() {
    // Improvements of 0.005 do not count with min_delta 0.01.
    let mut es = EarlyStopping::<M>::new(Monitor::ValLoss, 2).min_delta(0.01);
    let (run, _, _) = drive(&mut es, &[1.0, 0.995, 0.99, 0.985], &AUC);
    assert_eq!(run, 3);
    // AUC should go up (auto mode picks max for AUC).
    let mut es = EarlyStopping::<M>::new(Monitor::ValAuc, 1).restore_best_weights();
    let (run, model, _) = drive(&mut es, &[0.0; 6], &[0.90, 0.95, 0.94, 0.99]);
    assert_eq!(run, 3);
    assert_eq!(model.weight[0][0], 1.0);
    // Explicit min mode on an AUC makes the lower value the best.
    let mut es = EarlyStopping::<M>::new(Monitor::ValAuc, 1).mode(MonitorMode::Min).restore_best_weights();
    let (_, model, _) = drive(&mut es, &[0.0; 6], &[0.90, 0.95, 0.94]);
    assert_eq!(model.weight[0][0], 0.0);
}

#[test]
fn reduce_lr_on_plateau_follows_keras() {
    // factor 0.5, patience 2, cooldown 1, min_lr 0.2, lr starts at 1 (the list is the lr
    // each epoch runs with). Keras decrements the cooldown counter first, so the cooldown
    // epoch itself then counts toward the wait:
    // epoch 0 best; 1 wait 1; 2 wait 2 → lr 0.5, cooldown 1; 3 counter → 0, wait 0 → 1;
    // 4 wait 2 → lr 0.25, cooldown 1; 5 wait 1; 6 wait 2 → lr max(0.125, 0.2) = 0.2;
    // 7 wait 1; 8 wait 2 but lr is at min_lr: no change from then on.
    let mut r = ReduceLrOnPlateau::new(Monitor::ValLoss, 0.5, 2).cooldown(1).min_lr(0.2);
    let (_, _, lrs) = drive(&mut r, &[1.0; 12], &AUC);
    assert_eq!(lrs, [1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2, 0.2]);
    // An improvement (more than min_delta 1e-4) resets the wait.
    let mut r = ReduceLrOnPlateau::new(Monitor::ValLoss, 0.5, 2);
    let (_, _, lrs) = drive(&mut r, &[1.0, 1.0, 0.9, 0.9, 0.89995, 0.9], &AUC);
    assert_eq!(lrs, [1.0, 1.0, 1.0, 1.0, 1.0, 0.5]);
}

#[test]
fn model_checkpoint_keeps_the_best_by_max_auc() {
    let mut cp = ModelCheckpoint::<M>::new(Monitor::ValAuc).mode(MonitorMode::Max);
    drive(&mut cp, &[0.0; 5], &[0.9, 0.97, 0.95, 0.96, 0.97]);
    assert_eq!(cp.best(), Some((1, 0.97)), "ties do not replace the earlier best");
    assert_eq!(cp.best_model().unwrap().weight[0][0], 1.0);
}

#[test]
fn own_callbacks_history_and_order() {
    let mut seen = Vec::new();
    let mut stop_at_2 = FnCallback(|_: &mut M, l: &EpochLogs, c: &mut Control| {
        seen.push(l.epoch);
        if l.epoch == 2 {
            c.stop = true;
        }
    });
    let mut history = History::<2>::new();
    let mut both = (&mut history, &mut stop_at_2);
    let (run, _, _) = drive(&mut both, &[1.0; 6], &AUC);
    assert_eq!(run, 3);
    assert_eq!(history.epochs(), 3);
    assert_eq!(history.iter().map(|l| l.epoch).collect::<Vec<_>>(), [0, 1]);
    assert_eq!(seen, [0, 1, 2]);
}

#[test]
fn fit_hands_logs_to_callbacks_and_applies_their_learning_rate() {
    type Net = Sequential![Dense<2, 4>, Dense<4, 1>];
    let mut rng = Xoshiro128PlusPlus::new(1);
    let mut net: Net = sequential![Dense::new(Activation::Tanh), Dense::new(Activation::Sigmoid)];
    net.init(Init::GlorotUniform, &mut rng);
    let mut x: Vec<[f32; 2]> = (0..40).map(|i| [(i % 7) as f32 / 7.0, (i % 5) as f32 / 5.0]).collect();
    let mut t: Vec<[f32; 1]> = x.iter().map(|p| [f32::from(p[0] > p[1])]).collect();
    let (vx, vt) = (x.split_off(32), t.split_off(32));
    let mut trainer = Trainer::<Net, 8>::new(Loss::BinaryCrossEntropy);
    let mut opt = Sgd::new(0.5);
    let mut lrs = Vec::new();
    let mut halve = FnCallback(|_: &mut Net, l: &EpochLogs, c: &mut Control| {
        lrs.push(l.learning_rate);
        assert!(l.val.is_some() && l.accuracy.is_some() && l.auc.is_some());
        c.learning_rate = l.learning_rate / 2.0;
    });
    let report = trainer
        .fit(
            &mut net,
            &mut opt,
            FitData { x: &mut x, t: &mut t, validation: Some((&vx, &vt)) },
            &FitConfig::new(4, 8),
            &mut rng,
            &mut halve,
        )
        .unwrap();
    assert_eq!(report.epochs_run, 4);
    assert_eq!(lrs, [0.5, 0.25, 0.125, 0.0625]);
    assert_eq!(Optimizer::<Net>::learning_rate(&opt), 0.03125);
}

#[test]
fn fit_reports_the_epoch_and_batch_of_a_non_finite_loss() {
    type Net = Sequential![Dense<2, 4>, Dense<4, 1>];
    let mut rng = Xoshiro128PlusPlus::new(1);
    let mut net: Net = sequential![Dense::new(Activation::Tanh), Dense::new(Activation::Sigmoid)];
    net.init(Init::GlorotUniform, &mut rng);
    let before = net.clone();
    let mut x: Vec<[f32; 2]> = (0..16).map(|i| [i as f32, 1.0]).collect();
    let mut t: Vec<[f32; 1]> = (0..16).map(|i| [(i % 2) as f32]).collect();
    x[13] = [f32::NAN, 0.0];
    let mut trainer = Trainer::<Net, 4>::new(Loss::BinaryCrossEntropy);
    let cfg = FitConfig { epochs: 3, batch_size: 4, shuffle: false };
    let err = trainer
        .fit(
            &mut net,
            &mut Sgd::new(0.1),
            FitData { x: &mut x, t: &mut t, validation: None },
            &cfg,
            &mut rng,
            &mut (),
        )
        .unwrap_err();
    assert_eq!(err, FitError::Step { epoch: 0, batch: 3, error: StepError::NonFiniteLoss });
    assert_eq!(
        err.to_string(),
        "training stopped at epoch 1, batch 4: the loss is not finite (NaN or infinite): the inputs contain NaN/Inf or training diverged"
    );
    // batches 1–3 trained; every weight is still finite
    assert_ne!(net, before);
    let mut finite = true;
    net.tensors(&mut |_, d| finite &= d.iter().all(|v| v.is_finite()));
    assert!(finite);
    // A diverging learning rate: training stops at the first update that would make a weight
    // non-finite, or at the first non-finite loss its (finite but huge) weights cause,
    // and the weights stay finite either way.
    let mut x2: Vec<[f32; 2]> = (0..8).map(|i| [i as f32, 1.0]).collect();
    let mut t2: Vec<[f32; 1]> = (0..8).map(|i| [(i % 2) as f32]).collect();
    let err = trainer
        .fit(
            &mut net,
            &mut Sgd::new(f32::MAX),
            FitData { x: &mut x2, t: &mut t2, validation: None },
            &cfg,
            &mut rng,
            &mut (),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            FitError::NonFiniteWeights { .. } | FitError::Step { error: StepError::NonFiniteLoss, .. }
        ),
        "{err}"
    );
    let mut finite = true;
    net.tensors(&mut |_, d| finite &= d.iter().all(|v| v.is_finite()));
    assert!(finite);
}
