//! Term → letters lists, built from the letters' text in one pass, and written as size-bounded chunk
//! files of sorted terms (after Pagefind's `chunk_index`): the browser reads a small manifest of each
//! chunk's first term and fetches only the chunks holding its query's terms.
//!
//! A term is a gram of the text (see `tokenize`), a joint of the text (two runs across one
//! separator, `tokenize::for_each_joint`), a gram of the letter's heading fields with [`META`]
//! appended (so those matches can rank first), or a whole identifier (文号, proposal number) with
//! [`ID`] appended. The markers sort right after the plain gram, so all three usually share a chunk.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;

use super::tokenize::{
    Class, JOINT_WORD, MAX_GRAM, MAX_WORD_GRAM, class, is_closing, is_joint_char, is_opening,
    normalize, normalize_char,
};

/// Appended to a gram found in a letter's heading fields (title, 文号, number, proposers…).
pub const META: char = '\u{1}';
/// Appended to a whole identifier: the normalised 文号 or proposal number.
pub const ID: char = '\u{2}';
/// A chunk is closed once it holds this many bytes (a single large list may exceed it alone).
pub const CHUNK_BYTES: usize = 12 * 1024;

/// What the index needs from one letter: its searchable text, how much of it is heading fields, and
/// its identifiers.
#[derive(Clone)]
pub struct Source<'a> {
    /// The text, `text` then `body` (borrowed from the letter, not copied): `text` ends with a
    /// separator unless `body` is empty, so no run spans the two.
    pub text: String,
    pub body: &'a str,
    /// Byte length of the heading part at the start of `text`.
    pub meta_len: usize,
    pub ids: Vec<String>,
}

/// One term's letters (ascending positions in `Archive::letters`), kept encoded while the index is
/// built, so 10,000 letters' lists take tens, not hundreds, of megabytes: as gaps while the term is
/// rare, and as a bitmap once the gaps would take more bytes. Most of the index's (term, letter)
/// pairs are in the lists of common grams, which a block of 64 letters joins with one OR (see
/// [`List::push_block`]) instead of a gap a letter.
#[derive(Default)]
pub struct List {
    letters: Letters,
    count: u32,
    last: u32,
}

#[derive(Default)]
enum Letters {
    /// The first letter, then each gap less one, as varints.
    #[default]
    Empty,
    Gaps(Vec<u8>),
    /// Bit i of word w: letter `64 * (from + w) + i`.
    Bits {
        words: Vec<u64>,
        from: u32,
    },
}

impl List {
    /// Appends a letter after every letter already in the list.
    pub fn push(&mut self, letter: u32) {
        match &mut self.letters {
            Letters::Empty => {
                let mut gaps = Vec::new();
                write_varint(&mut gaps, letter);
                self.letters = Letters::Gaps(gaps);
            }
            Letters::Gaps(gaps) => write_varint(gaps, letter - self.last - 1),
            Letters::Bits { words, from } => set_bit(words, *from, letter),
        }
        self.count += 1;
        self.last = letter;
    }

    /// Appends the letters `first + i` for each bit i of `word` (not 0), all after the list's
    /// letters; `first` is a multiple of 64.
    fn push_block(&mut self, first: u32, word: u64) {
        if let Letters::Bits { words, from } = &mut self.letters {
            let at = (first / 64 - *from) as usize;
            if words.len() <= at {
                words.resize(at + 1, 0);
            }
            words[at] |= word;
            self.count += word.count_ones();
            self.last = first + 63 - word.leading_zeros();
            return;
        }
        for letter in letters_of_word(first, word) {
            self.push(letter);
        }
        // A bitmap from the first letter's word on is now smaller: make it one.
        if let Letters::Gaps(gaps) = &self.letters {
            let first_word = read_varint(gaps, &mut 0) / 64;
            if gaps.len() > 8 * (self.last / 64 - first_word + 1) as usize {
                self.make_bits();
            }
        }
    }

    /// Turns the list into a bitmap (see [`Letters::Bits`]).
    fn make_bits(&mut self) {
        if matches!(self.letters, Letters::Bits { .. }) {
            return;
        }
        let letters = self.letters();
        let from = letters.first().map_or(0, |l| l / 64);
        let mut words = Vec::new();
        for l in letters {
            set_bit(&mut words, from, l);
        }
        self.letters = Letters::Bits { words, from };
    }

    /// Appends `later`, whose letters all come after this list's. Returns the memory of the list
    /// not kept, for the caller to free (see [`Spent`]).
    fn append(&mut self, later: List) -> Letters {
        if later.count == 0 {
            return later.letters;
        }
        if self.count == 0 {
            return std::mem::replace(self, later).letters;
        }
        match (&mut self.letters, &later.letters) {
            (Letters::Gaps(gaps), Letters::Gaps(more)) => {
                let mut pos = 0;
                let first = read_varint(more, &mut pos);
                write_varint(gaps, first - self.last - 1);
                gaps.extend_from_slice(&more[pos..]);
            }
            (
                _,
                Letters::Bits {
                    words: more,
                    from: more_from,
                },
            ) => {
                self.make_bits();
                if let Letters::Bits { words, from } = &mut self.letters {
                    let at = (more_from - *from) as usize;
                    if words.len() < at {
                        words.resize(at, 0);
                    }
                    // The two may share a word (a part's range ending within it).
                    for (i, &w) in more.iter().enumerate() {
                        match words.get_mut(at + i) {
                            Some(word) => *word |= w,
                            None => words.push(w),
                        }
                    }
                }
            }
            (Letters::Bits { words, from }, Letters::Gaps(more)) => {
                for l in decode_deltas(more, later.count) {
                    set_bit(words, *from, l);
                }
            }
            (_, Letters::Empty) => {}
            (Letters::Empty, _) => unreachable!("a list of no letters has a count of 0"),
        }
        self.count += later.count;
        self.last = later.last;
        later.letters
    }

    pub fn len(&self) -> usize {
        self.count as usize
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn letters(&self) -> Vec<u32> {
        match &self.letters {
            Letters::Empty => Vec::new(),
            Letters::Gaps(gaps) => decode_deltas(gaps, self.count),
            Letters::Bits { words, from } => {
                let mut out = Vec::with_capacity(self.count as usize);
                for (i, &word) in words.iter().enumerate() {
                    out.extend(letters_of_word(64 * (*from + i as u32), word));
                }
                out
            }
        }
    }

    /// The bytes of the list's gaps as varints (see [`Letters::Gaps`]).
    fn gap_bytes(&self) -> usize {
        match &self.letters {
            Letters::Empty => 0,
            Letters::Gaps(gaps) => gaps.len(),
            Letters::Bits { .. } => {
                let mut last: Option<u32> = None;
                let mut bytes = 0;
                for l in self.letters() {
                    bytes += varint_len(last.map_or(l, |last| l - last - 1));
                    last = Some(l);
                }
                bytes
            }
        }
    }

    fn shrink_to_fit(&mut self) {
        match &mut self.letters {
            Letters::Gaps(gaps) => gaps.shrink_to_fit(),
            Letters::Bits { words, .. } => words.shrink_to_fit(),
            Letters::Empty => {}
        }
    }
}

/// The letters `first + i` for each bit i of `word`, in order.
fn letters_of_word(first: u32, word: u64) -> impl Iterator<Item = u32> {
    let mut rest = word;
    std::iter::from_fn(move || {
        let bit = (rest != 0).then(|| rest.trailing_zeros())?;
        rest &= rest - 1;
        Some(first + bit)
    })
}

/// Sets the bit of `letter` in a bitmap whose first word is word `from` (see [`Letters::Bits`]).
fn set_bit(words: &mut Vec<u64>, from: u32, letter: u32) {
    let at = (letter / 64 - from) as usize;
    if words.len() <= at {
        words.resize(at + 1, 0);
    }
    words[at] |= 1 << (letter % 64);
}

/// The bytes of `v` as a varint.
fn varint_len(v: u32) -> usize {
    (32 - (v | 1).leading_zeros()).div_ceil(7) as usize
}

/// Builds every term's letter list. The letters are cut into a few contiguous parts read in
/// parallel, each straight into encoded lists; the parts' lists are then joined in letter order,
/// which costs a copy of their bytes, not a step per letter.
/// `source(n)` gives letter n's text: made as each letter is read, so the whole archive's text is
/// never held twice.
pub fn build<'a>(
    letters: usize,
    source: impl Fn(usize) -> Source<'a> + Sync,
) -> Vec<(String, List)> {
    read(letters, source).into_terms().0
}

/// Every term's letter list as read, in parts, before the parts are joined and the terms named and
/// sorted ([`Lists::into_terms`], on one thread): `search::build_index` does that beside other
/// work.
pub struct Lists(Vec<Part>);

impl Lists {
    /// Every term with its list, sorted by term; and the memory of the later parts' lists, which
    /// the join copied (see [`Spent`]).
    pub fn into_terms(self) -> (Vec<(String, List)>, Spent) {
        let mut parts = self.0.into_iter();
        let mut all = parts.next().unwrap_or_default();
        let mut spent = Spent(Vec::new());
        for later in parts {
            all.join(later, &mut spent);
        }
        (all.into_terms(), spent)
    }
}

/// The memory of lists a join has copied, to be freed later, away from other work. glibc's
/// `malloc` gives each thread its own heap (an arena), and a block freed or grown by another thread
/// takes that heap's lock. The join runs beside the letters' result files, made on the thread that
/// read the later part, in that part's heap: freed in the join, the later part's lists made the
/// join wait on that thread's every allocation (10,000 letters, two threads: 0.155 s, against
/// 0.072 s with them set aside). The lists the join grows are the first part's, read on the
/// joining thread (see `search::build_index`).
pub struct Spent(Vec<Letters>);

/// Reads every letter's terms (see [`build`]).
pub fn read<'a>(letters: usize, source: impl Fn(usize) -> Source<'a> + Sync) -> Lists {
    // A part a thread: every part reads again the clauses and terms the others met, and holds
    // its own maps of them.
    let parts = rayon::current_num_threads().max(1);
    // Whole blocks of 64 letters a part, so that no word of a bitmap is split between parts.
    let size = letters.div_ceil(parts).next_multiple_of(64).max(64);
    let ranges: Vec<std::ops::Range<usize>> = (0..letters)
        .step_by(size)
        .map(|first| first..(first + size).min(letters))
        .collect();
    Lists(
        ranges
            .into_par_iter()
            .map(|range| read_part(range, &source))
            .collect(),
    )
}

/// The lists of a contiguous range of letters. Terms are numbered as they are first met; the maps
/// give each term's number, [body, heading] grams keyed by packed units or by text.
#[derive(Default)]
struct Part {
    packed: [HashMap<u128, u32, Fx>; 2],
    text: [HashMap<String, u32, Fx>; 2],
    lists: Vec<List>,
    ids: HashMap<String, List, Fx>,
}

impl Part {
    /// Appends the lists of `later`, whose letters all come after this part's; the memory of its
    /// lists goes to `spent`.
    fn join(&mut self, later: Part, spent: &mut Spent) {
        fn join_map<K: std::hash::Hash + Eq>(
            into: &mut HashMap<K, u32, Fx>,
            lists: &mut Vec<List>,
            from: HashMap<K, u32, Fx>,
            from_lists: &mut [List],
            spent: &mut Spent,
        ) {
            for (key, id) in from {
                let list = std::mem::take(&mut from_lists[id as usize]);
                match into.get(&key) {
                    Some(&at) => spent.0.push(lists[at as usize].append(list)),
                    None => {
                        into.insert(key, lists.len() as u32);
                        lists.push(list);
                    }
                }
            }
        }
        let Part {
            packed,
            text,
            mut lists,
            ids,
        } = later;
        for (into, from) in self.packed.iter_mut().zip(packed) {
            join_map(into, &mut self.lists, from, &mut lists, spent);
        }
        for (into, from) in self.text.iter_mut().zip(text) {
            join_map(into, &mut self.lists, from, &mut lists, spent);
        }
        for (key, list) in ids {
            spent.0.push(self.ids.entry(key).or_default().append(list));
        }
    }

    /// Every term with its list, sorted by term.
    fn into_terms(self) -> Vec<(String, List)> {
        let Part {
            packed,
            text,
            mut lists,
            ids,
        } = self;
        let mut take = |id: u32| std::mem::take(&mut lists[id as usize]);
        let mut terms: Vec<(String, List)> = Vec::new();
        for (section, map) in packed.into_iter().enumerate() {
            let mark = if section == HEADING {
                &META.to_string()
            } else {
                ""
            };
            terms.extend(
                map.into_iter()
                    .map(|(k, id)| (format!("{}{mark}", unpack(k)), take(id))),
            );
        }
        for (section, map) in text.into_iter().enumerate() {
            let mark = if section == HEADING {
                &META.to_string()
            } else {
                ""
            };
            terms.extend(
                map.into_iter()
                    .map(|(g, id)| (format!("{g}{mark}"), take(id))),
            );
        }
        terms.extend(ids);
        terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        terms
    }
}

/// The section of a letter's text that is its heading fields, as an index into `Part`'s maps (0 is
/// the whole text).
const HEADING: usize = 1;

/// Reads a range of letters. A gram is keyed by its units' codes packed into a `u128`, which hashes
/// far faster than its text; only grams with a word longer than four characters are keyed by text.
/// Letters repeat whole clauses, their own and each other's (set phrases of official replies): the
/// terms of every clause met twice are remembered, so a clause met again costs a lookup, not a gram
/// enumeration. A clause met once (more than half of them: names, figures) is only noted by its
/// hash: remembering its terms would take most of the part's memory for nothing.
fn read_part<'a>(letters: std::ops::Range<usize>, source: &impl Fn(usize) -> Source<'a>) -> Part {
    let mut part = Part::default();
    let mut block = Block::default();
    // Per section, a clause's 128-bit hash → its number among the remembered clauses, or
    // [`MET_ONCE`]. Keyed by hash alone: no clause text is kept or compared, and one probe of a
    // map of small entries finds it. (Among millions of clauses, two sharing a 128-bit hash is
    // less likely than a fault in the memory holding them.)
    let mut clauses: [HashMap<u128, u32, Fx>; 2] = Default::default();
    let mut remembered = Remembered::default();
    let mut fresh: Vec<u32> = Vec::new();
    let mut units = Vec::new();
    // The joints met last, by a few bits of their key: a joint is met at every clause's start, and
    // the common ones (`、` or `，` between common characters) are found here, not in the large map.
    let mut recent_joints = vec![(0u128, 0u32); JOINT_SLOTS];
    let mut found: Vec<Found> = Vec::new();
    for i in letters {
        let letter = i as u32;
        block.start(letter, &mut part.lists, &remembered);
        let source = source(i);
        let whole: [&str; 2] = [&source.text, source.body];
        let sections: [&[&str]; 2] = [&whole, &[&source.text[..source.meta_len]]];
        for (section, pieces) in sections.into_iter().enumerate() {
            let mut gap = Gap::default();
            for (piece, text) in pieces.iter().enumerate() {
                for_each_clause(text, &mut gap, |clause, joints| {
                    let start = clause.as_ptr() as usize - text.as_ptr() as usize;
                    found.push(Found {
                        piece,
                        range: start..start + clause.len(),
                        joints,
                        hash: xxhash_rust::xxh3::xxh3_128(clause.as_bytes()),
                        remembered: None,
                    });
                });
            }
            // The letter's clauses looked up all at once, and the marks of those remembered
            // fetched ahead: each lookup is independent of the others, so their waits on memory
            // overlap instead of coming one after another.
            for f in &mut found {
                if let Some(&clause) = clauses[section].get(&f.hash)
                    && clause != MET_ONCE
                {
                    f.remembered = Some(clause);
                    prefetch(block.clause_words.as_ptr().wrapping_add(clause as usize));
                }
            }
            for f in found.drain(..) {
                let clause = &pieces[f.piece][f.range];
                // Joints of the whole text only: a heading's are in it too.
                for key in f.joints.into_iter().flatten().filter(|_| section == 0) {
                    let slot = &mut recent_joints[joint_slot(key)];
                    let id = match *slot {
                        (k, id) if k == key => id,
                        _ => part.intern(0, GramKey::Packed(key)),
                    };
                    *slot = (key, id);
                    block.mark(&[id], letter, part.lists.len());
                }
                if let Some(clause) = f.remembered {
                    block.mark_clause(clause, letter, remembered.len());
                    continue;
                }
                // Not remembered when looked up above; it may be by now, if it came earlier in
                // this letter too.
                let known = match clauses[section].entry(f.hash) {
                    Entry::Occupied(e) if *e.get() != MET_ONCE => {
                        block.mark_clause(*e.get(), letter, remembered.len());
                        continue;
                    }
                    Entry::Occupied(e) => Some(e),
                    Entry::Vacant(e) => {
                        e.insert(MET_ONCE);
                        None
                    }
                };
                fresh.clear();
                for_each_coded_run(clause, &mut units, |run| {
                    for_each_gram_key(clause, run, |key| fresh.push(part.intern(section, key)));
                });
                block.mark(&fresh, letter, part.lists.len());
                // Met before: remember its terms now.
                if let Some(mut known) = known {
                    *known.get_mut() = remembered.add(&fresh);
                }
            }
        }
        for id in &source.ids {
            let list = part
                .ids
                .entry(format!("{}{ID}", normalize(id)))
                .or_default();
            if list.count == 0 || list.last != letter {
                list.push(letter);
            }
        }
    }
    block.flush(&mut part.lists, &remembered);
    // Lists grow by doubling: give back the spare half while other parts are read.
    part.lists.iter_mut().for_each(List::shrink_to_fit);
    part
}

/// A clause of a letter's section as `read_part` found it: in which piece of the section, where,
/// its joints (with the clause before, and its edges), its hash, and its number if it is
/// remembered.
struct Found {
    piece: usize,
    range: std::ops::Range<usize>,
    joints: [Option<u128>; 3],
    hash: u128,
    remembered: Option<u32>,
}

/// Asks the processor to fetch the memory at `p` into its cache, ahead of its use.
#[inline]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it reads nothing into the program and never faults,
    // whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
}

/// A clause's entry in `read_part` while it has been met once: its terms are not kept yet.
const MET_ONCE: u32 = u32::MAX;

/// The terms of the clauses `read_part` remembers, numbered as they are remembered.
#[derive(Default)]
struct Remembered {
    /// Per clause, where its terms are in `terms`, and how many.
    spans: Vec<(u32, u32)>,
    terms: Vec<u32>,
}

impl Remembered {
    /// Remembers a clause's terms; gives its number.
    fn add(&mut self, terms: &[u32]) -> u32 {
        self.spans
            .push((self.terms.len() as u32, terms.len() as u32));
        self.terms.extend_from_slice(terms);
        (self.spans.len() - 1) as u32
    }

    fn terms(&self, clause: u32) -> &[u32] {
        let (from, len) = self.spans[clause as usize];
        &self.terms[from as usize..(from + len) as usize]
    }

    fn len(&self) -> usize {
        self.spans.len()
    }
}

/// How many joints `read_part` keeps at hand (see `recent_joints`).
const JOINT_SLOTS: usize = 1 << 12;

/// A joint's place among `read_part`'s recent joints: a few bits of its units mixed.
fn joint_slot(key: u128) -> usize {
    let mixed = (key as u64 ^ (key >> 64) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (mixed >> 52) as usize & (JOINT_SLOTS - 1)
}

/// The letters of up to 64 consecutive letters met by each term, as bits of one word per term:
/// marking a term is a bit set in a small array (a term met again in the same letter costs
/// nothing more), and each term's list is written once a block, all its letters of the block in a
/// row, instead of once a letter at a far place in memory. A remembered clause is marked as a
/// whole, and its terms once a block: set phrases come in most letters of a block, and marking
/// their terms at each was most of the index's reading (98 million marks for 10,000 letters,
/// against 23 million once a block).
#[derive(Default)]
struct Block {
    /// The block's first letter.
    first: u32,
    /// Per term, bit i: letter `first + i` has it.
    words: Vec<u64>,
    /// The terms with a bit set, each once.
    touched: Vec<u32>,
    /// Per remembered clause, bit i: letter `first + i` has it.
    clause_words: Vec<u64>,
    /// The clauses with a bit set, each once.
    touched_clauses: Vec<u32>,
}

impl Block {
    /// Begins letter `letter`, writing the block out first when the letter is past it.
    fn start(&mut self, letter: u32, lists: &mut [List], remembered: &Remembered) {
        // Blocks start at multiples of 64, so a block is one word of a list's bitmap.
        if self.touched.is_empty() && self.touched_clauses.is_empty() {
            self.first = letter & !63;
        } else if letter - self.first >= 64 {
            self.flush(lists, remembered);
            self.first = letter & !63;
        }
    }

    /// Marks remembered clause `clause` as in `letter`; `count` clauses are remembered so far.
    fn mark_clause(&mut self, clause: u32, letter: u32, count: usize) {
        if self.clause_words.len() < count {
            self.clause_words.resize(count, 0);
        }
        let word = &mut self.clause_words[clause as usize];
        if *word == 0 {
            self.touched_clauses.push(clause);
        }
        *word |= 1u64 << (letter - self.first);
    }

    /// Marks `terms` as in `letter`, the letter being read; `count` terms are numbered so far.
    fn mark(&mut self, terms: &[u32], letter: u32, count: usize) {
        if self.words.len() < count {
            self.words.resize(count, 0);
        }
        let bit = 1u64 << (letter - self.first);
        for &id in terms {
            let word = &mut self.words[id as usize];
            if *word == 0 {
                self.touched.push(id);
            }
            *word |= bit;
        }
    }

    /// Appends the block's letters to the lists of the terms met in it.
    fn flush(&mut self, lists: &mut [List], remembered: &Remembered) {
        if self.words.len() < lists.len() {
            self.words.resize(lists.len(), 0);
        }
        for (k, &clause) in self.touched_clauses.iter().enumerate() {
            if let Some(&ahead) = self.touched_clauses.get(k + 8) {
                prefetch(remembered.terms(ahead).as_ptr());
            }
            let bits = std::mem::take(&mut self.clause_words[clause as usize]);
            for &id in remembered.terms(clause) {
                let word = &mut self.words[id as usize];
                if *word == 0 {
                    self.touched.push(id);
                }
                *word |= bits;
            }
        }
        self.touched_clauses.clear();
        for &id in &self.touched {
            let word = std::mem::take(&mut self.words[id as usize]);
            lists[id as usize].push_block(self.first, word);
        }
        self.touched.clear();
    }
}

/// A gram's key: its packed units, or (with a word longer than four characters) its normalised
/// text.
enum GramKey {
    Packed(u128),
    Text(String),
}

impl Part {
    /// The number of a term, numbering it if it is new.
    fn intern(&mut self, section: usize, key: GramKey) -> u32 {
        let next = self.lists.len() as u32;
        let id = match key {
            GramKey::Packed(k) => *self.packed[section].entry(k).or_insert(next),
            GramKey::Text(t) => *self.text[section].entry(t).or_insert(next),
        };
        if id == next {
            self.lists.push(List::default());
        }
        id
    }
}

/// Calls `f` with the key of every gram the index keeps (see `tokenize::is_kept_gram`) of a run of
/// `text`.
fn for_each_gram_key(text: &str, run: &[CodedUnit], mut f: impl FnMut(GramKey)) {
    for start in 0..run.len() {
        let mut key: Option<u128> = Some(0);
        let mut has_word = false;
        for n in 1..=MAX_GRAM.min(run.len() - start) {
            has_word |= run[start + n - 1].word;
            if has_word && n > MAX_WORD_GRAM {
                break;
            }
            key = key
                .zip(run[start + n - 1].code)
                .map(|(k, c)| k | (c as u128) << (32 * (n - 1)));
            f(match key {
                Some(k) => GramKey::Packed(k),
                None => GramKey::Text(normalize(&text[run[start].start..run[start + n - 1].end])),
            });
        }
    }
}

/// Calls `f` with each clause of `text`: a stretch with no separator, as long as it goes, which is
/// one run of the tokenizer. Finding a clause needs no more than its ends: most clauses were met
/// before, and their terms are looked up whole. With each clause come the keys of its joints (see
/// `tokenize::for_each_joint`): with the clause before, and at its edges by an opening or a closing
/// mark; read here so that joints cost no pass of their own. `gap` carries what lies before across
/// the pieces of one text.
fn for_each_clause<'t>(
    text: &'t str,
    gap: &mut Gap,
    mut f: impl FnMut(&'t str, [Option<u128>; 3]),
) {
    let mut start: Option<usize> = None;
    let mut clause = |s: usize, e: usize, next: Option<char>, gap: &mut Gap| {
        let clause = &text[s..e];
        let last = end_unit_code(clause, true);
        // Edge joints: packed as a gram of two units is, the mark being one.
        let opening = (gap.separators > 0 && is_opening(gap.separator))
            .then(|| gap.separator as u128 | (end_unit_code(clause, false) as u128) << 32);
        let closing = next
            .filter(|&c| is_closing(c))
            .map(|c| last as u128 | (c as u128) << 32);
        f(clause, [gap.joint(clause), opening, closing]);
        gap.last = Some(last);
        gap.separators = 0;
    };
    for_each_char(text, |i, n, class, _| {
        if class == Class::Separator {
            if let Some(s) = start.take() {
                clause(s, i, Some(n), gap);
            }
            gap.separators += 1;
            gap.separator = n;
        } else if start.is_none() {
            start = Some(i);
        }
    });
    if let Some(s) = start {
        clause(s, text.len(), None, gap);
    }
}

/// Calls `f` with each character of `text`: where it starts, its normalised form, its class and
/// its length. The index's hot loops read every letter's text through this. Most of it is Han
/// characters from U+5000 to U+9FFF, whose UTF-8 lead byte (E5 to E9) says as much, and which are
/// their own normalised form: they are decoded straight from their three bytes, without the
/// matches of `normalize_char` and `class` (a tenth of the index's instructions before).
#[inline(always)]
fn for_each_char(text: &str, mut f: impl FnMut(usize, char, Class, usize)) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(&lead) = bytes.get(i) {
        if let (0xE5..=0xE9, Some(&[b1, b2])) = (lead, bytes.get(i + 1..i + 3)) {
            let code =
                u32::from(lead & 0x0F) << 12 | u32::from(b1 & 0x3F) << 6 | u32::from(b2 & 0x3F);
            f(i, char::from_u32(code).unwrap_or(' '), Class::Han, 3);
            i += 3;
        } else if lead.is_ascii() {
            let n = char::from(lead.to_ascii_lowercase());
            f(i, n, class(n), 1);
            i += 1;
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            let n = normalize_char(c);
            f(i, n, class(n), c.len_utf8());
            i += c.len_utf8();
        }
    }
}

/// What lies between the clause last met and the next: that clause's unit nearest the end, and the
/// separators since (how many, and the last one, normalised).
#[derive(Default)]
struct Gap {
    last: Option<u32>,
    separators: u32,
    separator: char,
}

impl Gap {
    /// The key of the joint of the clause before and `clause`, if one separator that can be in a
    /// joint lies between them: three units packed as a gram is, the separator in the middle (no
    /// gram holds a separator, so no key is both).
    fn joint(&self, clause: &str) -> Option<u128> {
        let last = self.last?;
        (self.separators == 1 && is_joint_char(self.separator)).then(|| {
            let next = end_unit_code(clause, false);
            last as u128 | (self.separator as u128) << 32 | (next as u128) << 64
        })
    }
}

/// The code (see [`CodedUnit`]) of a clause's first unit, or of its last (`from_end`), a word cut to
/// its [`JOINT_WORD`] characters nearest that end.
fn end_unit_code(clause: &str, from_end: bool) -> u32 {
    let edge = match from_end {
        true => clause.chars().next_back(),
        false => clause.chars().next(),
    };
    let edge = edge.map(normalize_char).unwrap_or(' ');
    if class(edge) != Class::Word {
        return edge as u32;
    }
    let mut word = [0u8; JOINT_WORD];
    let mut len = 0;
    let mut take = |c: char| {
        let c = normalize_char(c);
        let more = len < JOINT_WORD && class(c) == Class::Word;
        if more {
            word[len] = c as u8;
            len += 1;
        }
        more
    };
    match from_end {
        true => clause.chars().rev().take_while(|&c| take(c)).for_each(drop),
        false => clause.chars().take_while(|&c| take(c)).for_each(drop),
    }
    if from_end {
        word[..len].reverse();
    }
    word_code(&word[..len])
}

/// The code of a word of at most four (normalised, ASCII) characters: `1 << 31 | length << 28 |
/// its bytes, 7 bits each` (see [`CodedUnit`]).
fn word_code(word: &[u8]) -> u32 {
    (word.iter().enumerate()).fold(1 << 31 | (word.len() as u32) << 28, |code, (i, &b)| {
        code | (b as u32 & 0x7F) << (7 * i)
    })
}

/// A unit of a letter's text as the index reads it: where it is in the original (unnormalised) text,
/// and its code: a Han character's code point, or `1 << 31 | length << 28 | ASCII bytes, 7 bits
/// each` for a word of at most four characters (none for a longer word: its grams are keyed by text).
#[derive(Clone, Copy)]
struct CodedUnit {
    start: usize,
    end: usize,
    code: Option<u32>,
    word: bool,
}

/// The tokenizer's runs (`tokenize::for_each_run`), read straight from the original text in one pass,
/// normalising as it goes and coding each unit: the index's hot loop, so no normalised copy of the
/// text and no second decoding of it. Tested against `for_each_run` below.
fn for_each_coded_run(text: &str, units: &mut Vec<CodedUnit>, mut f: impl FnMut(&[CodedUnit])) {
    units.clear();
    // The word being read: start, length, and its packed code while it is at most four long.
    let mut word: Option<(usize, u32, u32)> = None;
    let flush = |word: &mut Option<(usize, u32, u32)>, end: usize, units: &mut Vec<CodedUnit>| {
        if let Some((start, len, code)) = word.take() {
            units.push(CodedUnit {
                start,
                end,
                code: (len <= 4).then_some(1 << 31 | len << 28 | code),
                word: true,
            });
        }
    };
    for_each_char(text, |i, n, class, len| match class {
        Class::Word => {
            let (_, len, code) = word.get_or_insert((i, 0, 0));
            if *len < 4 {
                *code |= (n as u32 & 0x7F) << (7 * *len);
            }
            *len += 1;
        }
        Class::Han => {
            flush(&mut word, i, units);
            units.push(CodedUnit {
                start: i,
                end: i + len,
                code: Some(n as u32),
                word: false,
            });
        }
        Class::Separator => {
            flush(&mut word, i, units);
            if !units.is_empty() {
                f(units);
                units.clear();
            }
        }
    });
    flush(&mut word, text.len(), units);
    if !units.is_empty() {
        f(units);
    }
}

/// A unit as 32 bits, for packing up to four into a `u128` key: a Han character is its code point;
/// a word of at most four characters is `1 << 31 | length << 28 | its ASCII bytes, 7 bits each`.
/// Longer words have none: their grams are keyed by text. (The definition, against which the hot
/// loop in [`for_each_coded_run`], which codes as it reads, is tested.)
#[cfg(test)]
fn unit_code(unit: &str, word: bool) -> Option<u32> {
    if !word {
        return unit.chars().next().map(|c| c as u32);
    }
    (unit.len() <= 4).then(|| word_code(unit.as_bytes()))
}

/// The text of a packed gram (see [`CodedUnit`]).
fn unpack(key: u128) -> String {
    let mut out = String::new();
    for lane in 0..4 {
        let code = (key >> (32 * lane)) as u32;
        if code == 0 {
            break;
        }
        if code >> 31 == 1 {
            let len = (code >> 28 & 0x7) as usize;
            out.extend((0..len).map(|i| char::from((code >> (7 * i)) as u8 & 0x7F)));
        } else {
            out.extend(char::from_u32(code));
        }
    }
    out
}

fn decode_deltas(bytes: &[u8], count: u32) -> Vec<u32> {
    let mut out = Vec::with_capacity(count as usize);
    let mut pos = 0;
    let mut last: Option<u32> = None;
    while out.len() < count as usize {
        let d = read_varint(bytes, &mut pos);
        let v = match last {
            None => d,
            Some(l) => l + 1 + d,
        };
        out.push(v);
        last = Some(v);
    }
    out
}

/// A term's letters as written in a chunk: gaps as varints, or a bitmap over all letters when that is
/// smaller (a common gram such as `科技` is in nearly every letter).
pub fn encode_list(list: &List, total: usize) -> (bool, Vec<u8>) {
    let bitmap_len = total.div_ceil(8);
    // Each letter takes at least a byte as a gap: more letters than the bitmap's bytes, and the
    // bitmap is smaller without counting the gaps' bytes.
    if list.len() > bitmap_len || bitmap_len < list.gap_bytes() {
        let mut bitmap = vec![0u8; bitmap_len];
        match &list.letters {
            Letters::Bits { words, from } => {
                for (i, word) in words.iter().enumerate() {
                    let at = 8 * (*from as usize + i);
                    if at >= bitmap_len {
                        break;
                    }
                    let bytes = word.to_le_bytes();
                    let n = (bitmap_len - at).min(8);
                    bitmap[at..at + n].copy_from_slice(&bytes[..n]);
                }
            }
            _ => {
                for l in list.letters() {
                    bitmap[l as usize / 8] |= 1 << (l % 8);
                }
            }
        }
        (true, bitmap)
    } else {
        match &list.letters {
            Letters::Gaps(gaps) => (false, gaps.clone()),
            _ => {
                let mut gaps = Vec::with_capacity(list.gap_bytes());
                let mut last: Option<u32> = None;
                for l in list.letters() {
                    write_varint(&mut gaps, last.map_or(l, |last| l - last - 1));
                    last = Some(l);
                }
                (false, gaps)
            }
        }
    }
}

/// One chunk file's content and its first term.
pub struct Chunk {
    pub first: String,
    pub bytes: Vec<u8>,
}

/// About one term in this many starts a *segment*: a chunk always starts at such a term, so a
/// change to some lists moves chunk boundaries only within their segments, and an incremental build
/// rewrites those alone (`search::update_index`) and still writes what a clean build writes.
const SEGMENT: u64 = 128;

/// Whether a term starts a segment: decided by the term alone.
pub fn starts_segment(term: &str) -> bool {
    xxhash_rust::xxh3::xxh3_64(term.as_bytes()).is_multiple_of(SEGMENT)
}

/// Writes the sorted terms into chunks: a chunk is closed before a term that starts a segment, or
/// when the next entry would take it past [`CHUNK_BYTES`]. Each entry is: term length, term
/// (UTF-8), `count << 1 | bitmap`, payload length, payload, every number an unsigned LEB128 varint.
/// Segments are chunked on their own, so side by side.
pub fn chunk(terms: &[(String, List)], total: usize) -> Vec<Chunk> {
    let starts: Vec<usize> = (0..terms.len())
        .filter(|&i| i == 0 || starts_segment(&terms[i].0))
        .collect();
    starts
        .par_iter()
        .enumerate()
        .flat_map_iter(|(k, &from)| {
            let to = starts.get(k + 1).copied().unwrap_or(terms.len());
            chunk_segment(&terms[from..to], total)
        })
        .collect()
}

/// The chunks of one segment's terms (no term but the first starts a segment).
fn chunk_segment(terms: &[(String, List)], total: usize) -> Vec<Chunk> {
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut current: Option<Chunk> = None;
    for (term, letters) in terms {
        let (bitmap, payload) = encode_list(letters, total);
        let mut entry = Vec::with_capacity(term.len() + payload.len() + 12);
        write_varint(&mut entry, term.len() as u32);
        entry.extend_from_slice(term.as_bytes());
        write_varint(&mut entry, letters.count << 1 | bitmap as u32);
        write_varint(&mut entry, payload.len() as u32);
        entry.extend_from_slice(&payload);
        if current
            .as_ref()
            .is_some_and(|c| c.bytes.len() + entry.len() > CHUNK_BYTES)
        {
            chunks.extend(current.take());
        }
        current
            .get_or_insert_with(|| Chunk {
                first: term.clone(),
                bytes: Vec::new(),
            })
            .bytes
            .extend_from_slice(&entry);
    }
    chunks.extend(current);
    chunks
}

/// The terms and lists of a chunk file's content (inflated), as [`chunk`] wrote them; `None` if it
/// is not such content.
pub fn decode_chunk(bytes: &[u8], total: usize) -> Option<Vec<(String, List)>> {
    let mut out = Vec::new();
    let mut pos = 0;
    let read = |pos: &mut usize| read_varint_checked(bytes, pos);
    while pos < bytes.len() {
        let len = read(&mut pos)? as usize;
        let term = std::str::from_utf8(bytes.get(pos..pos + len)?)
            .ok()?
            .to_owned();
        pos += len;
        let head = read(&mut pos)?;
        let size = read(&mut pos)? as usize;
        let payload = bytes.get(pos..pos + size)?;
        pos += size;
        let mut list = List::default();
        if head & 1 == 1 {
            for letter in 0..total.min(payload.len() * 8) {
                if payload[letter / 8] >> (letter % 8) & 1 == 1 {
                    list.push(letter as u32);
                }
            }
        } else {
            let mut at = 0;
            let mut last: Option<u32> = None;
            while at < payload.len() {
                let gap = read_varint_checked(payload, &mut at)?;
                let letter = last.map_or(Some(gap), |l| l.checked_add(gap)?.checked_add(1))?;
                list.push(letter);
                last = Some(letter);
            }
        }
        if list.count != head >> 1 {
            return None;
        }
        out.push((term, list));
    }
    Some(out)
}

/// Every term one letter's text gives, as [`build`] would post them.
pub fn terms_of(source: &Source<'_>) -> Vec<String> {
    build(1, |_| source.clone())
        .into_iter()
        .map(|(term, _)| term)
        .collect()
}

impl List {
    /// The list with each `(letter, add)` applied in turn: the letter added (`add`) or taken out.
    /// Decoded and encoded once, however many changes (a term common to thousands of letters can
    /// gain or lose hundreds of them at once).
    pub fn with(&self, changes: &[(u32, bool)]) -> List {
        let mut letters: BTreeSet<u32> = self.letters().into_iter().collect();
        for &(letter, add) in changes {
            if add {
                letters.insert(letter);
            } else {
                letters.remove(&letter);
            }
        }
        let mut list = List::default();
        letters.into_iter().for_each(|l| list.push(l));
        list
    }
}

/// A varint, or `None` past the end or when it is too long for 32 bits.
fn read_varint_checked(bytes: &[u8], pos: &mut usize) -> Option<u32> {
    let mut v: u32 = 0;
    for shift in (0..35).step_by(7) {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        v |= ((b & 0x7F) as u32).checked_shl(shift)?;
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

pub fn write_varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub fn read_varint(bytes: &[u8], pos: &mut usize) -> u32 {
    let mut v: u32 = 0;
    let mut shift = 0;
    loop {
        let b = bytes[*pos];
        *pos += 1;
        v |= ((b & 0x7F) as u32) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

/// A small, fast, deterministic hash for the short gram keys (FxHash's multiply-rotate): the default
/// SipHash would make hashing most of the index's build time.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

type Fx = BuildHasherDefault<FxHasher>;

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
            self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(K);
        }
        let mut tail = [0u8; 8];
        let rest = chunks.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        self.0 =
            (self.0.rotate_left(5) ^ u64::from_le_bytes(tail) ^ rest.len() as u64).wrapping_mul(K);
    }

    fn write_u8(&mut self, i: u8) {
        self.write_u64(i as u64);
    }

    fn write_u128(&mut self, i: u128) {
        self.write_u64(i as u64);
        self.write_u64((i >> 64) as u64);
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    /// Multiplying leaves the low bits, which pick the bucket, depending only on the low input bits
    /// (the same UTF-8 lead byte for most Han grams): mix the high bits down.
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^ (h >> 33)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str, meta_len: usize, ids: &[&str]) -> Source<'static> {
        Source {
            text: text.to_owned(),
            body: "",
            meta_len,
            ids: ids.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn decoded(sources: &[Source]) -> HashMap<String, Vec<u32>> {
        build(sources.len(), |i| Source {
            text: sources[i].text.clone(),
            body: sources[i].body,
            meta_len: sources[i].meta_len,
            ids: sources[i].ids.clone(),
        })
        .into_iter()
        .map(|(t, l)| (t, l.letters()))
        .collect()
    }

    fn list(letters: &[u32]) -> List {
        let mut l = List::default();
        for &x in letters {
            l.push(x);
        }
        l
    }

    /// A list made as the index makes it: blocks of 64 letters pushed a word at a time (turning
    /// into a bitmap when that is smaller), split into parts joined in order.
    fn list_by_blocks(letters: &[u32], split: u32) -> List {
        let by_blocks = |letters: &[u32]| {
            let mut list = List::default();
            let mut block: Option<(u32, u64)> = None;
            for &l in letters {
                match &mut block {
                    Some((first, word)) if l - *first < 64 => *word |= 1 << (l - *first),
                    _ => {
                        if let Some((first, word)) = block {
                            list.push_block(first, word);
                        }
                        block = Some((l & !63, 1 << (l % 64)));
                    }
                }
            }
            if let Some((first, word)) = block {
                list.push_block(first, word);
            }
            list
        };
        let (early, late): (Vec<u32>, Vec<u32>) = letters.iter().partition(|&&l| l < split);
        let mut list = by_blocks(&early);
        list.append(by_blocks(&late));
        list
    }

    proptest::proptest! {
        /// However a list was made, as gaps or as a bitmap, it holds the same letters and is
        /// written the same (what a chunk holds must not depend on how the build read it).
        #[test]
        fn a_list_is_the_same_as_gaps_or_as_a_bitmap(
            letters in proptest::collection::btree_set(0u32..3000, 0..400),
            split in 0u32..3000,
            total_extra in 0usize..100,
        ) {
            let letters: Vec<u32> = letters.into_iter().collect();
            let total = 3000 + total_extra;
            let plain = list(&letters);
            for split in [split, split & !63] {
                let made = list_by_blocks(&letters, split);
                proptest::prop_assert_eq!(made.letters(), letters.clone());
                proptest::prop_assert_eq!(made.len(), letters.len());
                proptest::prop_assert_eq!(made.gap_bytes(), plain.gap_bytes());
                proptest::prop_assert_eq!(encode_list(&made, total), encode_list(&plain, total));
                // And once turned into a bitmap whatever its size.
                let mut bits = list_by_blocks(&letters, split);
                bits.make_bits();
                proptest::prop_assert_eq!(encode_list(&bits, total), encode_list(&plain, total));
                let mut more = list_by_blocks(&letters, split);
                more.push(5000);
                proptest::prop_assert_eq!(more.letters().last().copied(), Some(5000));
            }
        }
    }

    #[test]
    fn lists_hold_each_letter_once_in_order() {
        let texts = ["制造业 制造", "先进制造业", "无关"];
        let sources: Vec<Source> = texts.iter().map(|t| source(t, 0, &[])).collect();
        let terms: HashMap<String, Vec<u32>> = decoded(&sources);
        assert_eq!(terms["制造业"], [0, 1]);
        assert_eq!(terms["制造"], [0, 1]);
        assert_eq!(terms["进制造业"], [1]);
        assert!(!terms.contains_key("先进制造业"), "five units: not a gram");
    }

    #[test]
    fn heading_grams_and_identifiers_are_marked() {
        let text = "关于第494号提案\n正文494";
        let sources = [source(
            text,
            "关于第494号提案".len(),
            &["温科提复〔2023〕98号", "494"],
        )];
        let terms = decoded(&sources);
        assert_eq!(terms["494"], [0]);
        assert_eq!(terms[&format!("494{META}")], [0]);
        assert_eq!(terms[&format!("494{ID}")], [0]);
        assert_eq!(terms[&format!("温科提复[2023]98号{ID}")], [0]);
        assert!(!terms.contains_key(&format!("正文{META}")));
    }

    #[test]
    fn packed_grams_unpack_to_their_text() {
        for gram in ["制造业", "2023年", "ＤＨ０２号", "𠀀𠀁中a", "a", "科技成果"]
        {
            let mut units = Vec::new();
            let mut key = 0u128;
            for_each_coded_run(gram, &mut units, |run| {
                for (i, u) in run.iter().enumerate() {
                    key |= (u.code.unwrap() as u128) << (32 * i);
                }
            });
            assert_eq!(unpack(key), normalize(gram));
        }
    }

    #[test]
    fn joints_read_with_the_clauses_are_the_tokenizer_s() {
        let texts = [
            "温科提复〔２０２３〕98号，研发投入11.3亿元、全市 2024.10-26。ab.cd.e x,y\n1/2 3",
            "1.2.3.4 a..b a.b. .c d.e 改造、数字经济、“双碳”；Ｘ１２。ｙ\u{0}z",
            "（一）加快推进制造业数字化改造、数字经济发展，2023年完成。",
        ];
        for text in texts {
            let mut want = BTreeSet::new();
            crate::search::tokenize::for_each_joint(&normalize(text), |j| {
                want.insert(j.to_owned());
            });
            // Split after a separator, where a letter's text ends and its body begins: joints
            // cross it.
            let cut = (text.char_indices().skip(5))
                .find(|&(_, c)| class(normalize_char(c)) == Class::Separator)
                .map_or(0, |(i, c)| i + c.len_utf8());
            let source = Source {
                text: text[..cut].to_owned(),
                body: &text[cut..],
                meta_len: 0,
                ids: Vec::new(),
            };
            let got: BTreeSet<String> = terms_of(&source)
                .into_iter()
                .filter(|t| t.chars().any(|c| class(c) == Class::Separator))
                .collect();
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn every_character_is_read_as_normalize_char_and_class_read_it() {
        let text: String = (0..=0x10FFFF).filter_map(char::from_u32).collect();
        let mut read = Vec::new();
        for_each_char(&text, |i, n, class, len| read.push((i, n, class, len)));
        let expected: Vec<(usize, char, Class, usize)> = text
            .char_indices()
            .map(|(i, c)| (i, normalize_char(c), class(normalize_char(c)), c.len_utf8()))
            .collect();
        assert_eq!(read.len(), expected.len());
        for (got, want) in read.iter().zip(&expected) {
            assert_eq!(
                got,
                want,
                "U+{:04X}",
                text[want.0..].chars().next().unwrap() as u32
            );
        }
    }

    #[test]
    fn coded_runs_are_the_tokenizer_s_runs() {
        let text = "温科提复〔２０２３〕98号，ＤＨ0271号建议　5G基站 20240076\n（一）科技";
        let normalized = normalize(text);
        let expected: Vec<Vec<String>> = crate::search::tokenize::runs(&normalized)
            .iter()
            .map(|run| {
                run.iter()
                    .map(|u| normalized[u.start..u.end].to_owned())
                    .collect()
            })
            .collect();
        let mut got: Vec<Vec<String>> = Vec::new();
        for_each_coded_run(text, &mut Vec::new(), |run| {
            got.push(
                run.iter()
                    .map(|u| normalize(&text[u.start..u.end]))
                    .collect(),
            );
            for u in run {
                let unit = normalize(&text[u.start..u.end]);
                let word = unit.chars().all(|c| c.is_ascii_alphanumeric());
                assert_eq!(u.code, unit_code(&unit, word), "{unit}");
            }
        });
        assert_eq!(got, expected);
    }

    #[test]
    fn heading_with_full_width_characters_ends_where_it_ends() {
        // Normalising shortens the heading by 2 bytes a character here; the body must not leak in.
        let head = "关于ＡＩ〔2023〕";
        let text = format!("{head}\n市政协正文");
        let terms = decoded(&[source(&text, head.len(), &[])]);
        assert_eq!(terms[&format!("ai{META}")], [0]);
        assert!(!terms.contains_key(&format!("市{META}")));
        assert_eq!(terms["市政协正"], [0]);
    }

    #[test]
    fn dense_lists_become_bitmaps() {
        let all: Vec<u32> = (0..100).collect();
        let (bitmap, bytes) = encode_list(&list(&all), 100);
        assert!(bitmap);
        assert_eq!(bytes.len(), 13);
        let (bitmap, bytes) = encode_list(&list(&[3, 300]), 1000);
        assert!(!bitmap);
        assert_eq!(bytes, [3u8, 0xA8, 0x02]);
    }

    #[test]
    fn chunks_are_bounded_and_start_with_their_first_term() {
        let terms: Vec<(String, List)> = (0..2000)
            .map(|i| (format!("t{i:05}"), list(&[i as u32])))
            .collect();
        let chunks = chunk(&terms, 2000);
        assert!(chunks.len() > 1);
        assert!(chunks.iter().all(|c| c.bytes.len() <= CHUNK_BYTES));
        assert_eq!(chunks[0].first, "t00000");
        assert!(chunks.windows(2).all(|w| w[0].first < w[1].first));
    }
}
