//! DOCX: the text of `word/document.xml` in the zip archive, a paragraph per
//! line, read with `zip` and `quick-xml`; and a writer of minimal documents,
//! for fixtures.

use super::CvError;
use quick_xml::events::Event;
use quick_xml::Reader;
use std::io::{Cursor, Read, Write};

/// The document XML is never larger than this, however small the archive:
/// a zip bomb is refused, not inflated.
const MAX_XML_BYTES: u64 = 16 * 1024 * 1024;

fn unreadable(reason: impl std::fmt::Display) -> CvError {
    CvError::Unreadable {
        format: "docx",
        reason: reason.to_string(),
    }
}

/// The text of the document: `w:t` runs joined, a line per `w:p` paragraph,
/// tabs and breaks kept.
pub(super) fn text(body: &[u8], deadline: std::time::Instant) -> Result<String, CvError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(body)).map_err(unreadable)?;
    let entry = archive
        .by_name("word/document.xml")
        .map_err(|_| unreadable("it has no word/document.xml"))?;
    let mut xml = Vec::new();
    entry
        .take(MAX_XML_BYTES + 1)
        .read_to_end(&mut xml)
        .map_err(unreadable)?;
    if xml.len() as u64 > MAX_XML_BYTES {
        return Err(unreadable("its document XML is too large"));
    }
    let mut reader = Reader::from_reader(xml.as_slice());
    let mut text = String::new();
    let mut in_text = false;
    let mut buffer = Vec::new();
    let mut events = 0u32;
    loop {
        events = events.wrapping_add(1);
        if events % 4096 == 0 && std::time::Instant::now() >= deadline {
            return Err(CvError::Timeout);
        }
        if text.len() > super::MAX_TEXT_BYTES {
            return Err(CvError::TextTooLong);
        }
        match reader.read_event_into(&mut buffer).map_err(unreadable)? {
            Event::Start(element) if element.local_name().as_ref() == b"t" => in_text = true,
            Event::End(element) => match element.local_name().as_ref() {
                b"t" => in_text = false,
                b"p" => text.push('\n'),
                _ => {}
            },
            Event::Empty(element) => match element.local_name().as_ref() {
                b"tab" => text.push('\t'),
                b"br" | b"cr" => text.push('\n'),
                _ => {}
            },
            Event::Text(run) if in_text => {
                text.push_str(&run.unescape().map_err(unreadable)?);
            }
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    Ok(text)
}

/// A minimal DOCX whose paragraphs are the lines of `text`.
pub fn write(text: &str) -> Vec<u8> {
    let escape = |line: &str| {
        line.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let paragraphs: String = text
        .lines()
        .map(|line| {
            format!(
                "<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
                escape(line)
            )
        })
        .collect();
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
         <w:body>{paragraphs}</w:body></w:document>"
    );
    let content_types = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
        <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
        <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
        <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
        <Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
        </Types>";
    let relationships = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
        <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
        <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>\
        </Relationships>";
    let mut archive = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in [
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", relationships),
        ("word/document.xml", document.as_str()),
    ] {
        if archive.start_file(name, options).is_ok() {
            let _ = archive.write_all(content.as_bytes());
        }
    }
    archive.finish().map(Cursor::into_inner).unwrap_or_default()
}
