//! `guid(...)`: a name-based (version 5, SHA-1) UUID in the namespace
//! `11fb06fb-712d-4ddd-98c7-e71bbd588830` over the arguments joined with `-`
//! (UTF-8), printed lower-case. This is the documented algorithm (RFC 4122
//! §4.3), and what other re-implementations (Terraform `uuidv5`, Python
//! `uuid.uuid5`) use to reproduce ARM names.
//!
//! Unlike `uniqueString`, no input/output pair taken from Azure itself was
//! found in public sources; the vectors below check the UUID v5 construction.
//! (PSRule.Rules.Azure's `guid('abc')` = `aea04463-c5e4-0660-...` is its own
//! non-v5 hash, not Azure's output.)

use super::{R, arity, want_str};
use crate::value::Value;

const NAMESPACE: [u8; 16] = [
    0x11, 0xfb, 0x06, 0xfb, 0x71, 0x2d, 0x4d, 0xdd, 0x98, 0xc7, 0xe7, 0x1b, 0xbd, 0x58, 0x88, 0x30,
];

pub(crate) fn guid(args: Vec<Value>) -> R {
    arity("guid", &args, 1, usize::MAX)?;
    let mut name = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            name.push('-');
        }
        name.push_str(want_str("guid", a)?);
    }
    Ok(Value::str(uuid_v5(&NAMESPACE, name.as_bytes())))
}

fn uuid_v5(namespace: &[u8; 16], name: &[u8]) -> String {
    let mut data = Vec::with_capacity(16 + name.len());
    data.extend_from_slice(namespace);
    data.extend_from_slice(name);
    let h = sha1(&data);
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{byte:02x}"));
    }
    s
}

/// SHA-1 (FIPS 180-4); used only to derive name-based UUIDs.
fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    let bit_len = (data.len() as u64).wrapping_mul(8);
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for chunk in msg.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in chunk.chunks_exact(4).enumerate().take(16) {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A827999),
                20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arm::eval::testenv::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn sha1_vectors() {
        assert_eq!(hex(&sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            hex(&sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        let long = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        assert_eq!(hex(&sha1(long)), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    }

    #[test]
    fn guid_matches_uuid5() {
        // Expected values from Python's uuid.uuid5 with the ARM namespace.
        assert_eq!(
            ev("guid('a', 'b', 'c')").as_str(),
            Some("a98fa280-e03f-5afa-8d8e-92d0a9c201e8")
        );
        assert_eq!(
            ev("guid('/subscriptions/x/resourceGroups/rg-é')").as_str(),
            Some("42a2f2df-b25f-5192-8c44-388d8d90a269")
        );
        assert!(reason(&ev("guid(1)")).starts_with("error:"));
        assert!(ev("guid(parameters('x'))").is_unknown());
    }
}
