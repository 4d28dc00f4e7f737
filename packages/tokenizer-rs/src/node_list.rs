//! A long symbol sequence being merged (training's long words, the encoder's long pieces), in one array
//! with no prev/next links: a node (a token covering `len(id)` positions) keeps its id at its first and
//! its last position, so the next node starts at `start + len(id)` and the previous one ends at `start -
//! 1`. A bitset marks node starts, which tells a live position from a stale one left in a list. `SEP`
//! marks the boundaries (between words, around a piece). Ids are `u16` while they fit: 2 bytes a
//! position, where ids plus links took 12.

pub(crate) trait Sym: Copy + Eq {
    const SEP: Self;
    /// Ids below this fit (`SEP` is the one above).
    const LIMIT: u32;
    fn id(self) -> u32;
    fn of(id: u32) -> Self;
}

impl Sym for u16 {
    const SEP: u16 = u16::MAX;
    const LIMIT: u32 = u16::MAX as u32;
    #[inline(always)]
    fn id(self) -> u32 {
        self as u32
    }
    #[inline(always)]
    fn of(id: u32) -> u16 {
        debug_assert!(id < Self::LIMIT);
        id as u16
    }
}

impl Sym for u32 {
    const SEP: u32 = u32::MAX;
    const LIMIT: u32 = u32::MAX;
    #[inline(always)]
    fn id(self) -> u32 {
        self
    }
    #[inline(always)]
    fn of(id: u32) -> u32 {
        id
    }
}

pub(crate) struct NodeList<S> {
    syms: Vec<S>,
    starts: Vec<u64>,
}

impl<S: Sym> NodeList<S> {
    pub(crate) fn with_capacity(n: usize) -> Self {
        NodeList {
            syms: Vec::with_capacity(n),
            starts: Vec::with_capacity(n / 64 + 1),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.syms.len()
    }

    pub(crate) fn push_sep(&mut self) {
        self.push(S::SEP, false);
    }

    /// Appends a node of one position.
    pub(crate) fn push_node(&mut self, id: u32) {
        self.push(S::of(id), true);
    }

    fn push(&mut self, s: S, start: bool) {
        let p = self.syms.len();
        if p.is_multiple_of(64) {
            self.starts.push(0);
        }
        self.starts[p / 64] |= u64::from(start) << (p % 64);
        self.syms.push(s);
    }

    /// The id of the node starting at `p`, or `None` when `p` is inside a node or a boundary.
    #[inline(always)]
    pub(crate) fn node_at(&self, p: usize) -> Option<u32> {
        (self.starts[p / 64] >> (p % 64) & 1 == 1).then(|| self.syms[p].id())
    }

    /// The id of the node starting at `q`, the end of a node: `None` at a boundary.
    #[inline(always)]
    pub(crate) fn next_id(&self, q: usize) -> Option<u32> {
        let s = self.syms[q];
        (s != S::SEP).then(|| s.id())
    }

    /// (start, id) of the node ending at `p - 1`, if `p` is not the first of its word.
    #[inline(always)]
    pub(crate) fn before(&self, p: usize, len: impl Fn(u32) -> usize) -> Option<(usize, u32)> {
        let s = self.syms[p - 1];
        (s != S::SEP).then(|| (p - len(s.id()), s.id()))
    }

    /// Joins the node at `p` and the next one, starting at `q` and ending at `end`, into node `id`.
    #[inline(always)]
    pub(crate) fn join(&mut self, p: usize, q: usize, end: usize, id: u32) {
        self.syms[p] = S::of(id);
        self.syms[end] = S::of(id);
        self.starts[q / 64] &= !(1u64 << (q % 64));
    }

    /// The ids of the nodes from `p` (a node start) up to the next boundary.
    pub(crate) fn ids_from<'a>(
        &'a self,
        mut p: usize,
        len: impl Fn(u32) -> usize + 'a,
    ) -> impl Iterator<Item = u32> + 'a {
        core::iter::from_fn(move || {
            let id = self.next_id(p)?;
            p += len(id);
            Some(id)
        })
    }
}

impl NodeList<u16> {
    /// The same list with `u32` ids, for ids from `u16::LIMIT` on.
    pub(crate) fn widen(self) -> NodeList<u32> {
        let syms = self
            .syms
            .iter()
            .map(|&s| if s == u16::SEP { u32::SEP } else { s as u32 })
            .collect();
        NodeList {
            syms,
            starts: self.starts,
        }
    }
}
