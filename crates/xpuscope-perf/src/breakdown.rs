//! Where a pass's time goes: cost accumulated by operator class, and what bounds each.
//!
//! A [`Breakdown`] is a fixed-size array indexed by [`OpClass`]; recording a kernel or a transfer
//! adds to it without allocating, which keeps the cost model's inner loop free of the heap. It
//! knows nothing of models or layouts: `ops` decides what to record.

use xpuscope_model::units::{Bytes, BytesPerSecond, Flops, FlopsPerSecond, Seconds};

/// Classes of operators, for the breakdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpClass {
    /// Token embedding lookup.
    Embedding,
    /// Layer norms and element-wise work (activation functions).
    Norm,
    /// Q/K/V projections (MLA: the down and up projections).
    QkvProj,
    /// The attention kernel (scores and values; the KV cache read in decode).
    Attention,
    /// Attention output projection.
    OutProj,
    /// Dense MLP, and shared experts of MoE layers.
    Mlp,
    /// MoE router.
    Router,
    /// Routed experts.
    Experts,
    /// LM head (logits).
    LmHead,
    /// Tensor-parallel all-reduce.
    TpComm,
    /// Expert-parallel all-to-all (dispatch and combine).
    EpComm,
    /// Pipeline point-to-point transfers.
    PpComm,
    /// Data-parallel gradient synchronisation (training).
    DpComm,
    /// Context-parallel KV exchange (training).
    CpComm,
}

/// Number of operator classes.
pub const N_CLASSES: usize = 14;

impl OpClass {
    /// Whether the class's kernels are GEMMs (priced with a chip's measured GEMM figures).
    #[inline]
    pub fn is_gemm(self) -> bool {
        matches!(
            self,
            OpClass::QkvProj
                | OpClass::OutProj
                | OpClass::Mlp
                | OpClass::Router
                | OpClass::Experts
                | OpClass::LmHead
        )
    }

    /// Every class, in breakdown order.
    pub const ALL: [OpClass; N_CLASSES] = [
        OpClass::Embedding,
        OpClass::Norm,
        OpClass::QkvProj,
        OpClass::Attention,
        OpClass::OutProj,
        OpClass::Mlp,
        OpClass::Router,
        OpClass::Experts,
        OpClass::LmHead,
        OpClass::TpComm,
        OpClass::EpComm,
        OpClass::PpComm,
        OpClass::DpComm,
        OpClass::CpComm,
    ];

    /// Name in output.
    pub fn as_str(self) -> &'static str {
        match self {
            OpClass::Embedding => "embedding",
            OpClass::Norm => "norm/elementwise",
            OpClass::QkvProj => "qkv projection",
            OpClass::Attention => "attention",
            OpClass::OutProj => "output projection",
            OpClass::Mlp => "mlp",
            OpClass::Router => "router",
            OpClass::Experts => "experts",
            OpClass::LmHead => "lm head",
            OpClass::TpComm => "tp all-reduce",
            OpClass::EpComm => "ep all-to-all",
            OpClass::PpComm => "pp send/recv",
            OpClass::DpComm => "dp gradient sync",
            OpClass::CpComm => "cp kv exchange",
        }
    }

    /// Whether the class is communication.
    pub fn is_comm(self) -> bool {
        matches!(
            self,
            OpClass::TpComm | OpClass::EpComm | OpClass::PpComm | OpClass::DpComm | OpClass::CpComm
        )
    }
}

/// What limits an operator's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// Arithmetic.
    Compute,
    /// Memory bandwidth.
    Memory,
    /// Chip-to-chip transfer.
    Communication,
    /// Fixed per-kernel time.
    Overhead,
}

impl Bound {
    /// Name in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Bound::Compute => "compute",
            Bound::Memory => "memory",
            Bound::Communication => "communication",
            Bound::Overhead => "overhead",
        }
    }
}

/// The price of one kernel: the roofline `max(flops / rate, bytes / bandwidth)` plus a fixed time
/// per launch. The one formula every kernel of the cost model (and every microbenchmark
/// prediction in `micro`) is priced by.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct KernelCost {
    /// Arithmetic time at the achievable rate.
    pub compute: Seconds,
    /// Memory time at the achievable bandwidth.
    pub memory: Seconds,
    /// Fixed launch time: kernels x per-kernel overhead.
    pub overhead: Seconds,
    /// Time a GEMM loses near its ridge point, where neither arithmetic nor memory traffic
    /// hides the other ([`GEMM_KNEE`]); zero for other kernels.
    pub knee: Seconds,
    /// Kernel launches.
    pub launches: f64,
}

/// How sharply a GEMM turns from memory-bound to compute-bound: its roofline time is
/// `(compute^q + memory^q)^(1/q)` with this `q` rather than the larger of the two, so a GEMM at
/// its ridge point takes 2^(1/3) = 1.26x its roofline.
///
/// Fitted to the 16-bit GEMM tables of NVIDIA AIConfigurator (A100, H100, H200, B200, B300,
/// GB200, GB300, L40S, RTX PRO 6000; about 220,000 shapes; `scripts/fit_kernels.py` figures):
/// with the plain maximum the shapes within 2x of their ridge are predicted 8-11% fast (median),
/// with `q` = 3 within 3% either way; 2.5-4 are equally good overall (median |error| 7.7-7.9%
/// against 8.3% for the maximum), and 3 lets the blend be a cube root.
pub const GEMM_KNEE: f64 = 3.0;

impl KernelCost {
    /// Prices `kernels` launches that together do `flops` at `rate` and move `bytes` at
    /// `bandwidth`, each launch costing `overhead`. A zero rate (no native support) is taken as
    /// 1 FLOP/s rather than dividing by zero.
    #[inline]
    pub fn price(
        flops: Flops,
        bytes: Bytes,
        rate: FlopsPerSecond,
        bandwidth: BytesPerSecond,
        overhead: Seconds,
        kernels: f64,
    ) -> KernelCost {
        KernelCost {
            compute: Seconds::new(flops.get() / rate.get().max(1.0)),
            memory: bytes / bandwidth,
            overhead: overhead * kernels,
            knee: Seconds::ZERO,
            launches: kernels,
        }
    }

    /// Prices GEMM launches as [`KernelCost::price`] does, adding what they lose near the ridge
    /// point ([`GEMM_KNEE`]).
    #[inline]
    pub fn price_gemm(
        flops: Flops,
        bytes: Bytes,
        rate: FlopsPerSecond,
        bandwidth: BytesPerSecond,
        overhead: Seconds,
        kernels: f64,
    ) -> KernelCost {
        let mut k = KernelCost::price(flops, bytes, rate, bandwidth, overhead, kernels);
        let (hi, lo) = (k.roof().get(), k.compute.min(k.memory).get());
        if hi > 0.0 {
            let r = lo / hi;
            let x = r * r * r;
            // (hi^3 + lo^3)^(1/3) - hi = hi ((1 + x)^(1/3) - 1). Most GEMMs sit far from their
            // ridge, where the series x/3 - x^2/9 is exact to 2e-6 (x < 0.03) and skips the root.
            let f = if x < 0.03 {
                x / 3.0 - x * x / 9.0
            } else {
                (1.0 + x).cbrt() - 1.0
            };
            k.knee = Seconds::new(hi * f);
        }
        k
    }

    /// The roofline time: the larger of compute and memory time.
    #[inline]
    pub fn roof(&self) -> Seconds {
        self.compute.max(self.memory)
    }

    /// Wall time: roofline plus launch overhead.
    #[inline]
    pub fn time(&self) -> Seconds {
        self.roof() + self.knee + self.overhead
    }

    /// Whether arithmetic, not memory, sets the roofline (ties count as compute).
    #[inline]
    pub fn is_compute_bound(&self) -> bool {
        self.compute >= self.memory
    }
}

/// Accumulated cost of one operator class.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ClassCost {
    /// Wall time.
    pub time: Seconds,
    /// Arithmetic done.
    pub flops: Flops,
    /// Bytes moved to or from memory (or over links, for communication).
    pub bytes: Bytes,
    /// Time spent in kernels whose roofline is compute.
    pub compute_time: Seconds,
    /// Time spent in kernels whose roofline is memory.
    pub memory_time: Seconds,
    /// Time in communication.
    pub comm_time: Seconds,
    /// Fixed per-kernel and per-collective time.
    pub overhead_time: Seconds,
    /// Kernels and collectives launched (what a host launching them one by one pays for).
    pub launches: f64,
}

impl ClassCost {
    /// What bounds this class most of the time.
    pub fn bound(&self) -> Bound {
        let parts = [
            (self.compute_time, Bound::Compute),
            (self.memory_time, Bound::Memory),
            (self.comm_time, Bound::Communication),
            (self.overhead_time, Bound::Overhead),
        ];
        parts
            .into_iter()
            .fold((Seconds::new(-1.0), Bound::Overhead), |best, p| {
                if p.0 > best.0 {
                    p
                } else {
                    best
                }
            })
            .1
    }

    fn scaled(&self, k: f64) -> ClassCost {
        ClassCost {
            time: self.time * k,
            flops: self.flops * k,
            bytes: self.bytes * k,
            compute_time: self.compute_time * k,
            memory_time: self.memory_time * k,
            comm_time: self.comm_time * k,
            overhead_time: self.overhead_time * k,
            launches: self.launches * k,
        }
    }

    fn add(&mut self, o: &ClassCost) {
        self.time += o.time;
        self.flops += o.flops;
        self.bytes += o.bytes;
        self.compute_time += o.compute_time;
        self.memory_time += o.memory_time;
        self.comm_time += o.comm_time;
        self.overhead_time += o.overhead_time;
        self.launches += o.launches;
    }
}

/// Cost of a pass by operator class.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Breakdown {
    /// Indexed by `OpClass as usize`.
    pub classes: [ClassCost; N_CLASSES],
}

impl Breakdown {
    /// Total wall time (operators run one after another).
    pub fn total(&self) -> Seconds {
        self.classes.iter().map(|c| c.time).sum()
    }

    /// Total FLOPs.
    pub fn flops(&self) -> Flops {
        self.classes.iter().map(|c| c.flops).sum()
    }

    /// Total bytes moved to and from memory (communication excluded).
    pub fn memory_bytes(&self) -> Bytes {
        OpClass::ALL
            .iter()
            .filter(|c| !c.is_comm())
            .map(|&c| self.classes[c as usize].bytes)
            .sum()
    }

    /// Kernels and collectives launched.
    pub fn launches(&self) -> f64 {
        self.classes.iter().map(|c| c.launches).sum()
    }

    /// Time in communication classes.
    pub fn comm_time(&self) -> Seconds {
        OpClass::ALL
            .iter()
            .filter(|c| c.is_comm())
            .map(|&c| self.classes[c as usize].time)
            .sum()
    }

    /// One class.
    pub fn class(&self, c: OpClass) -> &ClassCost {
        &self.classes[c as usize]
    }

    /// Adds every class of `other`, scaled by `k`.
    pub fn add_scaled(&mut self, other: &Breakdown, k: f64) {
        for (a, b) in self.classes.iter_mut().zip(other.classes.iter()) {
            a.add(&b.scaled(k));
        }
    }

    /// This breakdown scaled by `k`.
    pub fn scaled(&self, k: f64) -> Breakdown {
        let mut b = Breakdown::default();
        b.add_scaled(self, k);
        b
    }

    /// What bounds the pass as a whole: the bound holding the most time.
    pub fn bound(&self) -> Bound {
        let mut t = [Seconds::ZERO; 4];
        for c in &self.classes {
            t[0] += c.compute_time;
            t[1] += c.memory_time;
            t[2] += c.comm_time;
            t[3] += c.overhead_time;
        }
        let bounds = [
            Bound::Compute,
            Bound::Memory,
            Bound::Communication,
            Bound::Overhead,
        ];
        let mut best = 0;
        for i in 1..4 {
            if t[i] > t[best] {
                best = i;
            }
        }
        bounds[best]
    }

    /// Records a kernel priced as `k`, doing `flops` and moving `bytes` each time, run `times`
    /// times.
    #[inline]
    pub(crate) fn record(
        &mut self,
        class: OpClass,
        k: &KernelCost,
        flops: Flops,
        bytes: Bytes,
        times: f64,
    ) {
        let e = &mut self.classes[class as usize];
        let roof = (k.roof() + k.knee) * times;
        e.time += roof + k.overhead * times;
        e.flops += flops * times;
        e.bytes += bytes * times;
        if k.is_compute_bound() {
            e.compute_time += roof;
        } else {
            e.memory_time += roof;
        }
        e.overhead_time += k.overhead * times;
        e.launches += k.launches * times;
    }

    /// Records a transfer of `bytes` taking `time` on the wire plus a fixed `latency`, run `times`
    /// times.
    #[inline]
    pub(crate) fn transfer(
        &mut self,
        class: OpClass,
        bytes: Bytes,
        time: Seconds,
        latency: Seconds,
        times: f64,
    ) {
        let e = &mut self.classes[class as usize];
        e.time += (time + latency) * times;
        e.bytes += bytes * times;
        e.comm_time += time * times;
        e.overhead_time += latency * times;
        e.launches += times;
    }
}
