//! Test-only hooks that need `unsafe`, kept out of every other crate of the workspace (which
//! forbid it). Nothing here is linked into `twofold-core` or the wasm modules.
//!
//! - [`FreedScan`]: a global allocator over the system one that, before a block is freed (or
//!   moved by `realloc`), looks in it for any of a set of armed 32-byte secrets and counts the
//!   blocks that still hold one: a secret that was not wiped before its memory was released.
//! - [`valgrind`]: Memcheck client requests (x86-64 Linux) to mark bytes undefined or defined,
//!   for the `ctgrind` constant-time check; outside Valgrind they do nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// How many secrets can be armed at once.
pub const MAX_NEEDLES: usize = 8192;

struct Needles {
    len: usize,
    items: [[u8; 32]; MAX_NEEDLES],
    /// For each needle, how many freed blocks held it.
    hits: [u32; MAX_NEEDLES],
}

static NEEDLES: Mutex<Needles> = Mutex::new(Needles {
    len: 0,
    items: [[0; 32]; MAX_NEEDLES],
    hits: [0; MAX_NEEDLES],
});
static ARMED: AtomicBool = AtomicBool::new(false);
static BLOCKS_CHECKED: AtomicUsize = AtomicUsize::new(0);
/// Blocks freed while armed that could not be checked (the table was locked, or poisoned).
static BLOCKS_SKIPPED: AtomicUsize = AtomicUsize::new(0);

/// The global allocator of a test binary that checks freed blocks:
/// `#[global_allocator] static A: FreedScan = FreedScan;`.
#[derive(Debug)]
pub struct FreedScan;

impl FreedScan {
    /// Arms the scan with `secrets` (replacing any armed before); from now on every block
    /// freed is searched for each. The secrets are copied into a static table, not the heap.
    ///
    /// # Panics
    /// If more than [`MAX_NEEDLES`] are given, or they are not sorted and distinct (the
    /// check binary-searches them).
    pub fn arm(secrets: &[[u8; 32]]) {
        assert!(secrets.len() <= MAX_NEEDLES, "too many secrets to arm");
        assert!(
            secrets.windows(2).all(|w| w[0] < w[1]),
            "secrets must be sorted and distinct"
        );
        let mut n = NEEDLES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        n.len = secrets.len();
        n.items[..secrets.len()].copy_from_slice(secrets);
        n.hits = [0; MAX_NEEDLES];
        BLOCKS_CHECKED.store(0, Ordering::SeqCst);
        BLOCKS_SKIPPED.store(0, Ordering::SeqCst);
        ARMED.store(true, Ordering::SeqCst);
    }

    /// Disarms the scan and wipes the table; returns, for each armed secret, how many times
    /// it was found in freed blocks, how many blocks were checked, and how many freed blocks
    /// could not be checked (another thread held the table, or it was poisoned): a test
    /// asserts that this is 0.
    pub fn disarm() -> (Vec<u32>, usize, usize) {
        ARMED.store(false, Ordering::SeqCst);
        let (hits, len) = {
            let mut n = NEEDLES
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let len = n.len;
            n.items = [[0; 32]; MAX_NEEDLES];
            n.len = 0;
            (n.hits, len)
        };
        (
            hits[..len].to_vec(),
            BLOCKS_CHECKED.load(Ordering::SeqCst),
            BLOCKS_SKIPPED.load(Ordering::SeqCst),
        )
    }

    fn check(block: &[u8]) {
        if !ARMED.load(Ordering::Relaxed) || block.len() < 32 {
            return;
        }
        // `try_lock`, never `lock`: a block freed while another thread checks one is counted
        // as skipped rather than waited for (a lock inside the allocator could deadlock).
        let Ok(mut guard) = NEEDLES.try_lock() else {
            BLOCKS_SKIPPED.fetch_add(1, Ordering::Relaxed);
            return;
        };
        BLOCKS_CHECKED.fetch_add(1, Ordering::Relaxed);
        let n = &mut *guard;
        let items = &n.items[..n.len];
        for window in block.windows(32) {
            if let Ok(i) = items.binary_search_by(|probe| probe.as_slice().cmp(window)) {
                n.hits[i] = n.hits[i].saturating_add(1);
            }
        }
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments, which the caller
// guarantees valid per the `GlobalAlloc` contract, and `dealloc` reads the `layout.size()`
// bytes of a block the caller owns until it is released; the allocator never writes to a
// block it does not own. Every block is zeroed when it is handed out, so its bytes hold
// values; but a typed copy into it may leave padding bytes uninitialised in Rust's abstract
// machine, so reading the block as `[u8]` is, in principle, a read of uninitialised memory.
// This test-only allocator accepts that to inspect freed memory (there is no defined way to
// read another value's padding); nothing built from it is linked into the library.
unsafe impl GlobalAlloc for FreedScan {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as given; zeroed, so that `dealloc` reads initialised bytes.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as given.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` is a live block of `layout.size()` bytes (GlobalAlloc contract), read
        // before it is released (on its padding, see the impl's comment).
        let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
        Self::check(block);
        // SAFETY: forwarded as given.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Always move, so the old block passes through `dealloc` and is checked like a freed
        // one (a `Vec` that grows leaves its old buffer behind unwiped).
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return std::ptr::null_mut();
        };
        // SAFETY: a valid non-zero-size layout (GlobalAlloc contract: new_size > 0).
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks are live and distinct, each at least `min` bytes long.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

/// Memcheck client requests (valgrind/memcheck.h), for x86-64 Linux; elsewhere, and outside
/// Valgrind, they do nothing.
pub mod valgrind {
    const MAKE_MEM_UNDEFINED: u64 = 0x4d43_0001;
    const MAKE_MEM_DEFINED: u64 = 0x4d43_0002;
    const RUNNING_ON_VALGRIND: u64 = 0x1001;

    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    fn request(default: u64, args: [u64; 6]) -> u64 {
        let mut result = default;
        // SAFETY: Valgrind's "special instruction preamble" (four rotations of rdi that add up
        // to 128 bits, a no-op on the CPU) followed by `xchg rbx, rbx`; Valgrind recognises it
        // and puts the request's answer in rdx. Natively nothing changes but rdi's flags. The
        // asm reads the six words of `args` through rax and touches no other memory.
        unsafe {
            core::arch::asm!(
                "rol rdi, 3",
                "rol rdi, 13",
                "rol rdi, 61",
                "rol rdi, 51",
                "xchg rbx, rbx",
                inout("rdx") result,
                in("rax") args.as_ptr(),
                out("rdi") _,
                // Not `readonly`: the request changes how Valgrind sees memory, so the compiler
                // must not keep values of it in registers across (valgrind.h has a "memory"
                // clobber for the same reason).
                options(nostack),
            );
        }
        result
    }

    #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
    fn request(default: u64, _args: [u64; 6]) -> u64 {
        default
    }

    fn range(code: u64, bytes: &[u8]) {
        let _ = request(
            0,
            [code, bytes.as_ptr() as u64, bytes.len() as u64, 0, 0, 0],
        );
    }

    /// Whether the program runs under Valgrind.
    pub fn running() -> bool {
        request(0, [RUNNING_ON_VALGRIND, 0, 0, 0, 0, 0]) != 0
    }

    /// Marks `bytes` undefined for Memcheck: a branch or an address computed from them (or
    /// from anything derived from them) is then reported. Their values are unchanged.
    pub fn classify(bytes: &[u8]) {
        range(MAKE_MEM_UNDEFINED, bytes);
    }

    /// Marks `bytes` defined again: a public output (a message, a public key) that may be
    /// branched on.
    pub fn declassify(bytes: &[u8]) {
        range(MAKE_MEM_DEFINED, bytes);
    }
}
