//! `dafu import`: existing replies (plain text, Markdown, Word) into content files.

pub mod encoding;
pub mod fields;
pub mod text;
