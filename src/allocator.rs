//! The allocator: mimalloc for `dafu serve`, the system's for every other command, chosen once, at
//! the first allocation, from the command line.
//!
//! A preview of 50,000 letters spends most of a save in glibc's `malloc` (consolidating and
//! searching free lists in a heap of 3 GB): mimalloc halves the time from save to served. A build
//! is the other way round: with mimalloc its peak memory is a quarter higher (470 against 370 MB
//! for 10,000 letters) and it is no faster.
//!
//! glibc's `malloc` is kept from raising its mmap threshold: by default each large block freed
//! raises it, until blocks of up to 32 MB come from the heap, whose freed parts are kept; the index
//! of 10,000 letters, made after the pages are freed, then took the build's peak from 343 to 385 MB.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU8, Ordering};

use mimalloc::MiMalloc;

/// Routes every allocation to the allocator chosen for the command (see the module's comment).
pub struct ByCommand;

const UNDECIDED: u8 = 0;
const SYSTEM: u8 = 1;
const MIMALLOC: u8 = 2;

/// Set once, before the first allocation returns, and never changed: a block is always freed by the
/// allocator that gave it.
static CHOICE: AtomicU8 = AtomicU8::new(UNDECIDED);

fn uses_mimalloc() -> bool {
    let chosen = match CHOICE.load(Ordering::Acquire) {
        UNDECIDED => {
            let chosen = if is_serve() { MIMALLOC } else { SYSTEM };
            if chosen == SYSTEM {
                fix_mmap_threshold();
            }
            // The first allocation is made before any other thread exists; the exchange keeps the
            // choice single all the same.
            match CHOICE.compare_exchange(UNDECIDED, chosen, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => chosen,
                Err(earlier) => earlier,
            }
        }
        chosen => chosen,
    };
    chosen == MIMALLOC
}

/// Whether the command is `serve`: its first argument that is not an option. Read from
/// `/proc/self/cmdline` into a buffer on the stack, since nothing may be allocated yet.
#[cfg(target_os = "linux")]
fn is_serve() -> bool {
    let mut buffer = [0u8; 4096];
    // SAFETY: a NUL-terminated path, a buffer of the length given, and the descriptor closed.
    let read = unsafe {
        let fd = libc::open(
            c"/proc/self/cmdline".as_ptr(),
            libc::O_RDONLY | libc::O_CLOEXEC,
        );
        if fd < 0 {
            return false;
        }
        let n = libc::read(fd, buffer.as_mut_ptr().cast(), buffer.len());
        libc::close(fd);
        n
    };
    let Ok(read) = usize::try_from(read) else {
        return false;
    };
    let mut arguments = buffer[..read].split(|&b| b == 0).skip(1);
    arguments.find(|a| !a.starts_with(b"-")) == Some(b"serve".as_slice())
}

#[cfg(not(target_os = "linux"))]
fn is_serve() -> bool {
    false
}

/// Blocks from 128 KB up are mapped on their own and unmapped when freed (glibc's default, fixed
/// here so that it does not rise; see the module's comment).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn fix_mmap_threshold() {
    // SAFETY: a documented option with a value in its range; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn fix_mmap_threshold() {}

// SAFETY: each call goes whole to one allocator, the same for the process's life.
unsafe impl GlobalAlloc for ByCommand {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if uses_mimalloc() {
            unsafe { MiMalloc.alloc(layout) }
        } else {
            unsafe { System.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if uses_mimalloc() {
            unsafe { MiMalloc.alloc_zeroed(layout) }
        } else {
            unsafe { System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if uses_mimalloc() {
            unsafe { MiMalloc.dealloc(ptr, layout) }
        } else {
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if uses_mimalloc() {
            unsafe { MiMalloc.realloc(ptr, layout, new_size) }
        } else {
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }
}
