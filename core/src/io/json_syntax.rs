//! The JSON grammar (RFC 8259), checked before a model file is parsed: the first byte that
//! breaks it is named, and what `serde-json-core` tolerates beyond the grammar (numbers
//! such as `.5`, `+1`, `00.5` or `1.`) is refused. Written by hand because the parser gives
//! no position and no maintained `no_std` crate checks the grammar without allocating.

use super::ModelError;

/// What breaks the grammar at a byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonFault {
    /// A byte where a value was expected.
    ExpectedValue,
    /// A number that is not a JSON number (leading `+` or zeros, a bare `.`, no digits
    /// after `.` or in an exponent).
    BadNumber,
    /// An invalid escape, an unescaped control character, or a string not closed.
    BadString,
    /// `true`, `false` or `null` misspelt.
    BadLiteral,
    /// A byte where `,`, `:`, `]` or `}` was expected.
    ExpectedSeparator,
    /// A key that is not a string.
    ExpectedKey,
    /// The text ends inside a value.
    UnexpectedEnd,
}

impl JsonFault {
    /// A short description.
    pub const fn describe(self) -> &'static str {
        match self {
            JsonFault::ExpectedValue => "a value was expected",
            JsonFault::BadNumber => "not a JSON number",
            JsonFault::BadString => "invalid string (escape, control character or unclosed)",
            JsonFault::BadLiteral => "invalid literal (true, false or null expected)",
            JsonFault::ExpectedSeparator => "',', ':', ']' or '}' expected",
            JsonFault::ExpectedKey => "a string key was expected",
            JsonFault::UnexpectedEnd => "the text ends inside a value",
        }
    }
}

/// The UTF-8 byte-order mark, which RFC 8259 lets a reader ignore.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
    max_depth: usize,
}

type Step = Result<(), ModelError>;

impl Scan<'_> {
    fn fault(&self, what: JsonFault) -> ModelError {
        ModelError::Json { offset: self.i, what }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn value(&mut self, depth: usize) -> Step {
        self.ws();
        match self.peek() {
            None => Err(self.fault(JsonFault::UnexpectedEnd)),
            Some(b'{') | Some(b'[') if depth >= self.max_depth => {
                Err(ModelError::TooDeep { offset: self.i, max: self.max_depth })
            }
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string(),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.fault(if self.peek() == Some(b'+') || self.peek() == Some(b'.') {
                JsonFault::BadNumber
            } else {
                JsonFault::ExpectedValue
            })),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Step {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(self.fault(JsonFault::BadLiteral))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Step {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let int = self.i;
        let n = self.digits();
        if n == 0 || (n > 1 && self.b[int] == b'0') {
            self.i = start;
            return Err(self.fault(JsonFault::BadNumber));
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                self.i = start;
                return Err(self.fault(JsonFault::BadNumber));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if self.digits() == 0 {
                self.i = start;
                return Err(self.fault(JsonFault::BadNumber));
            }
        }
        Ok(())
    }

    fn string(&mut self) -> Step {
        let start = self.i;
        self.i += 1;
        loop {
            match self.peek() {
                None => {
                    self.i = start;
                    return Err(self.fault(JsonFault::BadString));
                }
                Some(b'"') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 1,
                        Some(b'u') => {
                            let hex = self.b.get(self.i + 1..self.i + 5);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                return Err(self.fault(JsonFault::BadString));
                            }
                            self.i += 5;
                        }
                        _ => return Err(self.fault(JsonFault::BadString)),
                    }
                }
                Some(c) if c < 0x20 => return Err(self.fault(JsonFault::BadString)),
                Some(_) => self.i += 1,
            }
        }
    }

    fn array(&mut self, depth: usize) -> Step {
        self.i += 1;
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.value(depth)?;
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                None => return Err(self.fault(JsonFault::UnexpectedEnd)),
                Some(_) => return Err(self.fault(JsonFault::ExpectedSeparator)),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Step {
        self.i += 1;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.ws();
            match self.peek() {
                Some(b'"') => self.string()?,
                None => return Err(self.fault(JsonFault::UnexpectedEnd)),
                Some(_) => return Err(self.fault(JsonFault::ExpectedKey)),
            }
            self.ws();
            match self.peek() {
                Some(b':') => self.i += 1,
                None => return Err(self.fault(JsonFault::UnexpectedEnd)),
                Some(_) => return Err(self.fault(JsonFault::ExpectedSeparator)),
            }
            self.value(depth)?;
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                None => return Err(self.fault(JsonFault::UnexpectedEnd)),
                Some(_) => return Err(self.fault(JsonFault::ExpectedSeparator)),
            }
        }
    }
}

/// Checks that `bytes` (after an optional byte-order mark, which the caller skips) is one
/// JSON value nested at most `max_depth` deep, with only whitespace after it
/// ([`ModelError::TrailingData`] otherwise). Strings are
/// checked for escapes and control characters; UTF-8 is left to the parser.
///
/// ```
/// use tinymlp::io::{ModelError, check_json};
/// assert!(check_json(br#"{"a": [1, -0.5e3, "x"]}"#, 16).is_ok());
/// assert!(matches!(check_json(b"[1, .5]", 16), Err(ModelError::Json { offset: 4, .. })));
/// assert!(matches!(check_json(b"[00.5]", 16), Err(ModelError::Json { offset: 1, .. })));
/// ```
pub fn check_json(bytes: &[u8], max_depth: usize) -> Result<(), ModelError> {
    let mut s = Scan { b: bytes, i: 0, max_depth };
    s.value(0)?;
    s.ws();
    if s.i < bytes.len() {
        return Err(ModelError::TrailingData { offset: s.i });
    }
    Ok(())
}
