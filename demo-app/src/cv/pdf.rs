//! PDF: the text layer, read with `lopdf`; and a writer of simple text PDFs,
//! for fixtures.

use super::CvError;
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, Stream};

fn unreadable(reason: impl std::fmt::Display) -> CvError {
    CvError::Unreadable {
        format: "pdf",
        reason: reason.to_string(),
    }
}

/// The text of every page, in order. A parser panic on hostile bytes is an
/// unreadable PDF, not a crash.
pub(super) fn text(body: &[u8]) -> Result<String, CvError> {
    let read = std::panic::catch_unwind(|| -> Result<String, CvError> {
        let document = Document::load_mem(body).map_err(unreadable)?;
        let pages: Vec<u32> = document.get_pages().keys().copied().collect();
        if pages.is_empty() {
            return Err(unreadable("it has no pages"));
        }
        document.extract_text(&pages).map_err(unreadable)
    });
    read.unwrap_or_else(|_| Err(unreadable("its structure is malformed")))
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
