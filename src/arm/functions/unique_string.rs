//! `uniqueString(...)`: Azure's 64-bit MurmurHash variant over the arguments
//! joined with `-` (UTF-8), printed as 13 base-32 characters (`a-z2-7`, most
//! significant bits first).
//!
//! The hash is a two-lane (32-bit) MurmurHash3-style mix with Microsoft's own
//! round constants, as described by community re-implementations (a Go port,
//! github.com/JasonWhall/go-azure-uniquestring; and the derivation from
//! Azure.Deployments.Expression / Microsoft.PowerPlatform.ResourceStack in
//! gist.github.com/maskati/23f329e7db43c00184143f04498e537c). Written from that
//! description; the tests hold input/output pairs published by independent
//! sources, each taken from Azure's own implementation or a real deployment.

use super::{R, arity, want_str};
use crate::value::Value;

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

pub(crate) fn unique_string(args: Vec<Value>) -> R {
    arity("uniqueString", &args, 1, usize::MAX)?;
    let mut parts = Vec::with_capacity(args.len());
    for a in &args {
        parts.push(want_str("uniqueString", a)?);
    }
    Ok(Value::str(encode(hash64(parts.join("-").as_bytes()))))
}

/// Thirteen base-32 digits of `h`, most significant first (65 bits; the last
/// digit takes the final four bits and a zero).
fn encode(h: u64) -> String {
    (0..13)
        .map(|i| {
            let digit = (u128::from(h) << 1 >> (60 - 5 * i)) & 31;
            char::from(ALPHABET.get(digit as usize).copied().unwrap_or(b'a'))
        })
        .collect()
}

fn fmix(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

const C1: u32 = 0x239b_961b;
const C2: u32 = 0xab0e_9789;

fn mix_k1(k: u32) -> u32 {
    k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2)
}

fn mix_k2(k: u32) -> u32 {
    k.wrapping_mul(C2).rotate_left(17).wrapping_mul(C1)
}

/// Little-endian word of up to four bytes (missing bytes are zero).
fn le_word(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .take(4)
        .enumerate()
        .fold(0, |w, (i, b)| w | u32::from(*b) << (8 * i))
}

fn hash64(data: &[u8]) -> u64 {
    let (mut h1, mut h2) = (0u32, 0u32);
    let mut blocks = data.chunks_exact(8);
    for block in &mut blocks {
        let (a, b) = block.split_at(4);
        h1 = (h1 ^ mix_k1(le_word(a))).rotate_left(19).wrapping_add(h2);
        h1 = h1.wrapping_mul(5).wrapping_add(0x561c_cd1b);
        h2 = (h2 ^ mix_k2(le_word(b))).rotate_left(13).wrapping_add(h1);
        h2 = h2.wrapping_mul(5).wrapping_add(0x0bca_a747);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        h1 ^= mix_k1(le_word(tail));
        if let Some(rest) = tail.get(4..).filter(|r| !r.is_empty()) {
            h2 ^= mix_k2(le_word(rest));
        }
    }
    // The length is mixed in as a 32-bit value, as in the original.
    let len = data.len() as u32;
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    (u64::from(h2) << 32) | u64::from(h1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arm::eval::testenv::*;

    #[test]
    fn published_vectors() {
        // Stack Overflow q. 43295720 ("Azure ARM uniqueString function mimic"):
        // the output of Microsoft's Azure.Deployments.Expression library.
        assert_eq!(ev("uniqueString('tyeth')").as_str(), Some("zcztcwvu6iyg6"));
        // github.com/JasonWhall/go-azure-uniquestring README (hash 571013382255652050).
        assert_eq!(hash64(b"hello-world"), 571_013_382_255_652_050);
        assert_eq!(
            ev("uniqueString('hello', 'world')").as_str(),
            Some("a7wkljktk6wne")
        );
        // microsoft/commercial-marketplace-offer-deploy, ArmFunctionsTests
        // ("UniqueStringShouldEqualValueCreatedFromArmTemplate").
        assert_eq!(
            ev("uniqueString('/subscriptions/31e9f9a0-9fd2-4294-a0a3-0101246d9700/resourceGroups/rg-modm201-20230913120256/providers/Microsoft.Compute/virtualMachines/bobjacmodm201')")
                .as_str(),
            Some("yvjxno3je5on2")
        );
        // Azure/terraform-provider-azapi, unique_string_function_test.go.
        assert_eq!(
            ev(
                "uniqueString('/subscriptions/00000000-0000-0000-0000-000000000000', 'resource-id')"
            )
            .as_str(),
            Some("cwvxuqg24sifi")
        );
    }

    #[test]
    fn shape_and_errors() {
        for text in ["''", "'a'", "'abcdefgh'", "'abcdefghi'", "'é😀'"] {
            let v = ev(&format!("uniqueString({text})"));
            let s = v.as_str().unwrap();
            assert_eq!(s.len(), 13);
            assert!(s.bytes().all(|b| ALPHABET.contains(&b)), "{s}");
        }
        assert!(reason(&ev("uniqueString()")).starts_with("error:"));
        assert!(reason(&ev("uniqueString('a', 1)")).starts_with("error:"));
        assert!(ev("uniqueString(parameters('x'))").is_unknown());
    }

    #[test]
    fn encoding_is_msb_first() {
        assert_eq!(encode(0), "aaaaaaaaaaaaa");
        assert_eq!(encode(u64::MAX), "7777777777776");
        assert_eq!(encode(1 << 63), "qaaaaaaaaaaaa");
    }
}
