//! PDF: the text layer, read with `lopdf`; and a writer of simple text PDFs,
//! for fixtures.

use super::{CvError, MAX_TEXT_BYTES};
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, limits, Document, Encoding, Object, ObjectId, Stream};
use std::collections::BTreeMap;
use std::time::Instant;

fn unreadable(reason: impl std::fmt::Display) -> CvError {
    CvError::Unreadable {
        format: "pdf",
        reason: reason.to_string(),
    }
}

/// How many bytes all the stream filters of one PDF may inflate to, together:
/// a CV's text layer is kilobytes; a decompression bomb stops here.
pub const MAX_INFLATED_BYTES: u64 = 8 * 1024 * 1024;

/// The stack of the thread a PDF is read on: lopdf recurses once per nesting
/// level (at most `lopdf::limits::MAX_DEPTH`, 64) and per reference followed,
/// and a debug build's frames are large; the stack is reserved, not committed.
const PDF_STACK_BYTES: usize = 64 * 1024 * 1024;

fn limit_error(tripped: limits::Tripped) -> CvError {
    match tripped {
        limits::Tripped::Depth => unreadable(format!(
            "it nests arrays, dictionaries or references more than {} deep",
            limits::MAX_DEPTH
        )),
        limits::Tripped::Inflate => unreadable(format!(
            "its streams inflate to more than {MAX_INFLATED_BYTES} bytes"
        )),
        limits::Tripped::Deadline => CvError::Timeout,
    }
}

/// The text of every page, in order, read on a thread of its own with a known
/// stack, within lopdf's limits (nesting, inflated bytes, `deadline`) and at
/// most [`MAX_TEXT_BYTES`] of text. A parser panic on hostile bytes is an
/// unreadable PDF, not a crash.
pub(super) fn text(body: &[u8], deadline: Instant) -> Result<String, CvError> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("pdf-parse".to_owned())
            .stack_size(PDF_STACK_BYTES)
            .spawn_scoped(scope, || {
                limits::set(MAX_INFLATED_BYTES, deadline);
                let read = std::panic::catch_unwind(|| read_text(body, deadline));
                let tripped = limits::tripped();
                limits::clear();
                match (tripped, read) {
                    (Some(tripped), _) => Err(limit_error(tripped)),
                    (None, Ok(read)) => read,
                    (None, Err(_)) => Err(unreadable("its structure is malformed")),
                }
            })
            .map_err(|_| unreadable("no thread could read it"))?
            .join()
            .unwrap_or_else(|_| Err(unreadable("its structure is malformed")))
    })
}

fn read_text(body: &[u8], deadline: Instant) -> Result<String, CvError> {
    let document = Document::load_mem(body).map_err(unreadable)?;
    if let Some(tripped) = limits::tripped() {
        return Err(limit_error(tripped));
    }
    let pages: Vec<ObjectId> = document.get_pages().into_values().collect();
    if pages.is_empty() {
        return Err(unreadable("it has no pages"));
    }
    let mut text = String::new();
    for page in pages {
        page_text(&document, page, deadline, &mut text)?;
    }
    Ok(text)
}

/// Appends the text of `page`: the strings of its `Tj` and `TJ` operations, a
/// line per text object, as lopdf's `extract_text` does, but stopping at the
/// deadline and at [`MAX_TEXT_BYTES`].
fn page_text(
    document: &Document,
    page: ObjectId,
    deadline: Instant,
    text: &mut String,
) -> Result<(), CvError> {
    let fonts = document.get_page_fonts(page).map_err(unreadable)?;
    let encodings: BTreeMap<Vec<u8>, Encoding<'_>> = fonts
        .into_iter()
        .filter_map(|(name, font)| Some((name, font.get_font_encoding(document).ok()?)))
        .collect();
    let content = document.get_page_content(page).map_err(unreadable)?;
    if let Some(tripped) = limits::tripped() {
        return Err(limit_error(tripped));
    }
    let content = Content::decode(&content).map_err(unreadable)?;
    let mut encoding = None;
    for (index, operation) in content.operations.iter().enumerate() {
        if index % 1024 == 0 && Instant::now() >= deadline {
            return Err(CvError::Timeout);
        }
        match operation.operator.as_str() {
            "Tf" => {
                encoding = operation
                    .operands
                    .first()
                    .and_then(|font| font.as_name().ok())
                    .and_then(|font| encodings.get(font));
            }
            "Tj" | "TJ" => {
                if let Some(encoding) = encoding {
                    collect_text(text, encoding, &operation.operands);
                }
            }
            "ET" if !text.ends_with('\n') => text.push('\n'),
            _ => {}
        }
        if text.len() > MAX_TEXT_BYTES {
            return Err(CvError::TextTooLong);
        }
    }
    Ok(())
}

/// The strings of `operands`; arrays nest at most `lopdf::limits::MAX_DEPTH`
/// deep (the parser refuses deeper), so the recursion is bounded.
fn collect_text(text: &mut String, encoding: &Encoding<'_>, operands: &[Object]) {
    for operand in operands {
        match operand {
            Object::String(bytes, _) => {
                if let Ok(decoded) = Document::decode_text(encoding, bytes) {
                    text.push_str(&decoded);
                }
            }
            Object::Array(array) => {
                collect_text(text, encoding, array);
                text.push(' ');
            }
            Object::Integer(i) if *i < -100 => text.push(' '),
            _ => {}
        }
        if text.len() > MAX_TEXT_BYTES {
            return;
        }
    }
}

/// A one-page PDF with `text`, a line per text object, in Helvetica.
pub fn write(text: &str) -> Vec<u8> {
    let mut document = Document::with_version("1.5");
    let pages_id = document.new_object_id();
    let font_id = document.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = document.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id },
    });
    let mut operations = Vec::new();
    for (index, line) in text.lines().enumerate() {
        operations.push(Operation::new("BT", vec![]));
        operations.push(Operation::new("Tf", vec!["F1".into(), 11.into()]));
        let y = 800 - 14 * index as i64;
        operations.push(Operation::new("Td", vec![50.into(), y.into()]));
        operations.push(Operation::new("Tj", vec![Object::string_literal(line)]));
        operations.push(Operation::new("ET", vec![]));
    }
    let content = Content { operations }.encode().unwrap_or_default();
    let content_id = document.add_object(Stream::new(dictionary! {}, content));
    let page_id = document.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "Contents" => content_id,
    });
    document.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page_id.into()],
            "Count" => 1,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = document.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
    });
    document.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    let _ = document.save_to(&mut bytes);
    bytes
}
