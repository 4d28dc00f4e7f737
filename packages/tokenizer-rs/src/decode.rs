//! Decoding (CS336 §2.6): ids → the concatenation of their bytes. Bytes only; turning them into text
//! (malformed UTF-8 → U+FFFD, or incrementally across token boundaries) is the caller's step, so a stream
//! decoder can hold a partial character instead of replacing it.

use crate::encode::Encoder;
use crate::error::{Error, Result};

impl Encoder {
    /// Appends the bytes of `ids` to `out`; an id outside the vocab is an error naming it.
    pub(crate) fn decode_into(&self, ids: &[u32], out: &mut Vec<u8>) -> Result<()> {
        for &id in ids {
            match self.vocab.get(id) {
                Some(b) => out.extend_from_slice(b),
                None => {
                    return Err(Error::UnknownTokenId {
                        id,
                        vocab_size: self.vocab.len() as u32,
                    })
                }
            }
        }
        Ok(())
    }

    /// Decodes to a string, replacing malformed UTF-8 with U+FFFD (as Python's errors="replace").
    #[cfg(test)]
    pub(crate) fn decode_lossy(&self, ids: &[u32]) -> Result<String> {
        let mut b = Vec::new();
        self.decode_into(ids, &mut b)?;
        Ok(String::from_utf8_lossy(&b).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use crate::encode::Encoder;
    use crate::error::Error;

    #[test]
    fn decode_bytes_unknown_id_and_replacement() {
        let v: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        let e = Encoder::from_merges(&v, &[], &["<|eot|>".to_string()]).unwrap();
        let ids = [b'h' as u32, 256, 0xE2, 0x82];
        assert_eq!(e.decode_lossy(&ids).unwrap(), "h<|eot|>\u{FFFD}");
        assert_eq!(
            e.decode_lossy(&[257]).err(),
            Some(Error::UnknownTokenId {
                id: 257,
                vocab_size: 257
            })
        );
        assert_eq!(e.decode_lossy(&[]).unwrap(), "");
    }
}
