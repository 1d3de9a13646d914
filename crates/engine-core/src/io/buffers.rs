//! Read buffers that are used again.
//!
//! A scan reads a file in blocks of about a MiB ([`Blob::read_range`]
//! through `BlobChunks`), drops each block when it moves on, and asks for
//! the next. Freshly allocated, each block is new memory the kernel must
//! fault in and zero page by page while `read` copies into it: on a 10M-row
//! filter, nine in ten page faults of the process and a tenth of its CPU time.
//! A buffer whose last view is dropped goes back to a small pool instead,
//! and the next read of a similar size fills it again, its pages already
//! mapped and its bytes already initialised.
//!
//! [`Blob::read_range`]: super::Blob::read_range

use std::io::{self, Read};
use std::sync::Mutex;

use bytes::Bytes;

/// Reads shorter than this are cheap to allocate and are not pooled.
const MIN_POOLED: usize = 64 << 10;
/// Buffers longer than this are not kept: a large exact read is rare, and a
/// pool of them would hold memory no later read needs.
const MAX_POOLED: usize = 1 << 20;
/// Buffers the pool keeps at most (each at most [`MAX_POOLED`] bytes): about
/// what two scan workers hold in flight.
const POOL_SIZE: usize = 8;

/// The pool every read uses.
static POOL: Pool = Pool::new();

/// `len` bytes from `reader`, into a pooled buffer where the length suits
/// one. Fails with `UnexpectedEof` when the reader ends first.
pub(super) fn read_pooled(reader: &mut impl Read, len: usize) -> io::Result<Bytes> {
    POOL.read(reader, len)
}

/// Buffers waiting to be filled again.
struct Pool {
    buffers: Mutex<Vec<Vec<u8>>>,
}

impl Pool {
    const fn new() -> Self {
        Pool {
            buffers: Mutex::new(Vec::new()),
        }
    }

    fn read(&'static self, reader: &mut impl Read, len: usize) -> io::Result<Bytes> {
        if !(MIN_POOLED..=MAX_POOLED).contains(&len) {
            let mut buf = Vec::with_capacity(len);
            fill(reader, &mut buf, len)?;
            return Ok(Bytes::from(buf));
        }
        let mut buf = self.take(len);
        if let Err(e) = fill(reader, &mut buf, len) {
            self.give_back(buf);
            return Err(e);
        }
        Ok(Bytes::from_owner(Pooled {
            buf,
            len,
            pool: self,
        }))
    }

    /// A pooled buffer of at least `len` bytes of capacity, or a new one.
    fn take(&self, len: usize) -> Vec<u8> {
        let mut buffers = self.buffers.lock().unwrap_or_else(|e| e.into_inner());
        // The smallest that fits, so a short read does not take a long buffer.
        let best = buffers
            .iter()
            .enumerate()
            .filter(|(_, b)| b.capacity() >= len)
            .min_by_key(|(_, b)| b.capacity())
            .map(|(i, _)| i);
        match best {
            Some(i) => buffers.swap_remove(i),
            None => Vec::with_capacity(len),
        }
    }

    fn give_back(&self, buf: Vec<u8>) {
        if buf.capacity() > MAX_POOLED {
            return;
        }
        let mut buffers = self.buffers.lock().unwrap_or_else(|e| e.into_inner());
        if buffers.len() < POOL_SIZE {
            buffers.push(buf);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.buffers.lock().unwrap().len()
    }
}

/// Reads `len` bytes into `buf` (its capacity at least `len`). Bytes an
/// earlier read initialised are read over; past them the reader writes into
/// spare capacity, never zeroed first (zeroing fresh read buffers cost TPC-H
/// q5 4% of its instructions).
fn fill(reader: &mut impl Read, buf: &mut Vec<u8>, len: usize) -> io::Result<()> {
    let reused = buf.len().min(len);
    reader.read_exact(&mut buf[..reused])?;
    buf.truncate(reused);
    reader.take((len - reused) as u64).read_to_end(buf)?;
    if buf.len() < len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "file ended before the range",
        ));
    }
    Ok(())
}

/// The owner of a pooled buffer's bytes: back to its pool when dropped.
struct Pooled {
    buf: Vec<u8>,
    /// How many of `buf`'s bytes this read filled.
    len: usize,
    pool: &'static Pool,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        self.pool.give_back(std::mem::take(&mut self.buf));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_reused_and_hold_only_what_was_read() {
        static OWN: Pool = Pool::new();
        let data: Vec<u8> = (0..MAX_POOLED + 10).map(|i| (i % 251) as u8).collect();
        let a = OWN.read(&mut &data[..], MIN_POOLED * 2).unwrap();
        assert_eq!(&a[..], &data[..MIN_POOLED * 2]);
        let at = a.as_ptr();
        assert_eq!(OWN.len(), 0);
        drop(a);
        assert_eq!(OWN.len(), 1);
        // A shorter read fills the same buffer; its bytes are this read's.
        let b = OWN.read(&mut &data[7..], MIN_POOLED + 1).unwrap();
        assert_eq!(b.as_ptr(), at);
        assert_eq!(&b[..], &data[7..MIN_POOLED + 8]);
        // A longer one than any pooled buffer gets a new one.
        let c = OWN.read(&mut &data[..], MIN_POOLED * 3).unwrap();
        assert_eq!(&c[..], &data[..MIN_POOLED * 3]);
        drop(c);
        // A slice outliving its `Bytes` keeps the buffer from the pool.
        let slice = b.slice(10..20);
        drop(b);
        assert_eq!(OWN.len(), 1);
        assert_eq!(&slice[..], &data[17..27]);
        drop(slice);
        assert_eq!(OWN.len(), 2);
        // Too short, too long: plain buffers, same contents, never pooled.
        assert_eq!(&OWN.read(&mut &data[..], 5).unwrap()[..], &data[..5]);
        let all = OWN.read(&mut &data[..], MAX_POOLED + 10).unwrap();
        assert_eq!(&all[..], &data[..]);
        drop(all);
        assert_eq!(OWN.len(), 2);
    }

    #[test]
    fn a_short_source_is_an_error_and_keeps_the_buffer() {
        static OWN: Pool = Pool::new();
        let data = vec![1u8; MIN_POOLED];
        let e = OWN.read(&mut &data[..], MIN_POOLED + 1).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(OWN.len(), 1);
        let e = OWN.read(&mut &data[..10], 20).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn the_pool_keeps_a_bounded_number_of_buffers() {
        static OWN: Pool = Pool::new();
        let data = vec![3u8; MIN_POOLED];
        let held: Vec<Bytes> = (0..POOL_SIZE + 3)
            .map(|_| OWN.read(&mut &data[..], MIN_POOLED).unwrap())
            .collect();
        drop(held);
        assert_eq!(OWN.len(), POOL_SIZE);
    }
}
