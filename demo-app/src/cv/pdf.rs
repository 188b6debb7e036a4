//! PDF: the text layer, read with `lopdf`; and a writer of simple text PDFs,
//! for fixtures.
//!
//! lopdf as published recurses without a bound (nested arrays and
//! dictionaries, `/Parent` chains) and inflates object streams without a
//! bound: a hostile PDF of a few KB can overflow any stack or exhaust memory,
//! and either aborts the process reading it. So an uploaded PDF is read in a
//! child process with hard limits ([`text_isolated`], which runs
//! `demo-app parse-pdf`: [`child_main`]); what kills the child kills only it,
//! and the service answers 422. [`text`] reads in this process, for documents
//! the caller trusts (fixtures, tests): its checks make answers precise, they
//! do not make it safe.

use super::{CvError, MAX_CV_BYTES, MAX_TEXT_BYTES};
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Encoding, Object, ObjectId, Stream};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::process::{Child, ExitCode, ExitStatus, Stdio};
use std::time::{Duration, Instant};

fn unreadable(reason: impl std::fmt::Display) -> CvError {
    CvError::Unreadable {
        format: "pdf",
        reason: reason.to_string(),
    }
}

/// How many bytes the content streams of one PDF may inflate to, together:
/// a CV's text layer is kilobytes; a decompression bomb stops here.
pub const MAX_INFLATED_BYTES: u64 = 8 * 1024 * 1024;

/// How deep arrays and dictionaries may nest, and how long a page's
/// `/Parent` chain may be: a CV's are a few levels.
pub const MAX_DEPTH: usize = 64;

/// The address space of the child reading an uploaded PDF: 512 MiB. A CV of
/// at most [`MAX_CV_BYTES`] reads in tens of MiB; a stream inflating without
/// a bound (an object stream, an LZW one) ends in an allocation failure of
/// the child, not of the service. At most as many children run as there are
/// permits for CPU-heavy work (4), so they map at most 2 GiB together.
pub const CHILD_ADDRESS_SPACE: u64 = 512 * 1024 * 1024;

/// The CPU time the child may take, over its deadline: the deadline (wall
/// time, enforced by the service) comes first; the CPU limit stops a child
/// whose service is no longer there to stop it.
const CHILD_CPU_MARGIN: Duration = Duration::from_secs(1);

/// The hidden command of the binary that reads a PDF on stdin.
pub const CHILD_COMMAND: &str = "parse-pdf";

/// The stack of the thread a PDF is read on: lopdf recurses once per nesting
/// level and a debug build's frames are large; the stack is reserved, not
/// committed.
const PDF_STACK_BYTES: usize = 64 * 1024 * 1024;

/// The longest answer read from the child: [`MAX_TEXT_BYTES`] of text, every
/// byte escaped in JSON (6 bytes for a control character), and some.
const MAX_ANSWER_BYTES: u64 = 8 * 1024 * 1024;

/// How much of the child's stderr is kept, to say why it died.
const MAX_STDERR_BYTES: u64 = 16 * 1024;

fn too_deep() -> CvError {
    unreadable(format!(
        "it nests arrays, dictionaries or references more than {MAX_DEPTH} deep"
    ))
}

fn inflates_too_much() -> CvError {
    unreadable(format!(
        "its streams inflate to more than {MAX_INFLATED_BYTES} bytes"
    ))
}

/// The text of every page, in order, read in this process on a thread of its
/// own with a known stack, at most [`MAX_TEXT_BYTES`] of it, by `deadline`.
/// A parser panic is an unreadable PDF. Not for untrusted PDFs: lopdf can
/// overflow the stack or exhaust memory before any check here runs, which
/// aborts the process (uploads go through [`text_isolated`]).
pub(super) fn text(body: &[u8], deadline: Instant) -> Result<String, CvError> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("pdf-parse".to_owned())
            .stack_size(PDF_STACK_BYTES)
            .spawn_scoped(scope, || {
                std::panic::catch_unwind(|| read_text(body, deadline))
                    .unwrap_or_else(|_| Err(unreadable("its structure is malformed")))
            })
            .map_err(|_| unreadable("no thread could read it"))?
            .join()
            .unwrap_or_else(|_| Err(unreadable("its structure is malformed")))
    })
}

fn read_text(body: &[u8], deadline: Instant) -> Result<String, CvError> {
    let document = Document::load_mem(body).map_err(unreadable)?;
    if Instant::now() >= deadline {
        return Err(CvError::Timeout);
    }
    let trailer = Object::Dictionary(document.trailer.clone());
    check_nesting(document.objects.values().chain([&trailer]))?;
    let pages: Vec<ObjectId> = document.get_pages().into_values().collect();
    if pages.is_empty() {
        return Err(unreadable("it has no pages"));
    }
    let mut budget = MAX_INFLATED_BYTES;
    let mut text = String::new();
    for page in pages {
        page_text(&document, page, deadline, &mut budget, &mut text)?;
    }
    Ok(text)
}

/// Refuses objects nesting more than [`MAX_DEPTH`] deep; iterative, so any
/// depth lopdf could read is checked without recursion.
fn check_nesting<'a>(roots: impl IntoIterator<Item = &'a Object>) -> Result<(), CvError> {
    let mut pending: Vec<(&Object, usize)> = roots.into_iter().map(|root| (root, 1)).collect();
    while let Some((object, depth)) = pending.pop() {
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        match object {
            Object::Array(items) => pending.extend(items.iter().map(|item| (item, depth + 1))),
            Object::Dictionary(dictionary) => {
                pending.extend(dictionary.iter().map(|(_, value)| (value, depth + 1)));
            }
            Object::Stream(stream) => {
                pending.extend(stream.dict.iter().map(|(_, value)| (value, depth + 1)));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Refuses a page whose `/Parent` chain (walked, recursively, by lopdf for
/// its resources) is longer than [`MAX_DEPTH`], or a cycle.
fn check_parents(document: &Document, page: ObjectId) -> Result<(), CvError> {
    let mut node = page;
    for _ in 0..=MAX_DEPTH {
        let parent = document
            .get_dictionary(node)
            .and_then(|dictionary| dictionary.get(b"Parent"))
            .and_then(Object::as_reference);
        match parent {
            Ok(parent) => node = parent,
            Err(_) => return Ok(()),
        }
    }
    Err(too_deep())
}

/// Appends the text of `page`: the strings of its `Tj` and `TJ` operations, a
/// line per text object, as lopdf's `extract_text` does, but stopping at the
/// deadline, at [`MAX_TEXT_BYTES`] and when its content streams inflate past
/// what is left of `budget`.
fn page_text(
    document: &Document,
    page: ObjectId,
    deadline: Instant,
    budget: &mut u64,
    text: &mut String,
) -> Result<(), CvError> {
    check_parents(document, page)?;
    let fonts = document.get_page_fonts(page).map_err(unreadable)?;
    let encodings: BTreeMap<Vec<u8>, Encoding<'_>> = fonts
        .into_iter()
        .filter_map(|(name, font)| Some((name, font.get_font_encoding(document).ok()?)))
        .collect();
    let mut content = Vec::new();
    for id in document.get_page_contents(page) {
        if let Ok(stream) = document.get_object(id).and_then(Object::as_stream) {
            content.extend_from_slice(&decoded(stream, budget)?);
        }
        if Instant::now() >= deadline {
            return Err(CvError::Timeout);
        }
    }
    let content = Content::decode(&content).map_err(unreadable)?;
    check_nesting(
        content
            .operations
            .iter()
            .flat_map(|operation| &operation.operands),
    )?;
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

/// The content of `stream` through its filters. FlateDecode (what CVs use)
/// is inflated here, at most `budget` bytes; other filters by lopdf, without
/// a bound of its own (the child's address space is one), what they gave
/// taken from `budget` after. An undecodable stream is taken as it is, as
/// lopdf's `get_page_content` does.
fn decoded<'a>(stream: &'a Stream, budget: &mut u64) -> Result<Cow<'a, [u8]>, CvError> {
    let filters = stream.filters().unwrap_or_default();
    // PNG predictors, which lopdf applies after inflating.
    let predicted = stream
        .dict
        .get(b"DecodeParms")
        .and_then(Object::as_dict)
        .and_then(|parameters| parameters.get(b"Predictor"))
        .and_then(Object::as_i64)
        .is_ok_and(|predictor| (10..=15).contains(&predictor));
    if filters.is_empty() {
        return Ok(Cow::Borrowed(&stream.content));
    }
    if predicted || filters.iter().any(|filter| *filter != b"FlateDecode") {
        let data = stream
            .decompressed_content()
            .unwrap_or_else(|_| stream.content.clone());
        *budget = budget
            .checked_sub(data.len() as u64)
            .ok_or_else(inflates_too_much)?;
        return Ok(Cow::Owned(data));
    }
    let mut data = Cow::Borrowed(stream.content.as_slice());
    for _ in filters {
        data = Cow::Owned(inflate(&data, budget)?);
    }
    Ok(data)
}

/// `input` inflated, at most `budget` bytes of it (taken from it). A corrupt
/// stream gives what inflated before the corruption, as in lopdf.
fn inflate(input: &[u8], budget: &mut u64) -> Result<Vec<u8>, CvError> {
    let mut output = Vec::new();
    let _ = flate2::read::ZlibDecoder::new(input)
        .take(budget.saturating_add(1))
        .read_to_end(&mut output);
    *budget = budget
        .checked_sub(output.len() as u64)
        .ok_or_else(inflates_too_much)?;
    Ok(output)
}

/// The strings of `operands`; arrays nest at most [`MAX_DEPTH`] deep
/// (`check_nesting` refused deeper), so the recursion is bounded.
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

/// What the child answers on stdout: one JSON value.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Answer {
    Text(String),
    Unreadable(String),
    TextTooLong,
    Timeout,
}

/// The text of an untrusted PDF, read by a child process (this binary's
/// [`CHILD_COMMAND`]) with hard limits: its address space
/// ([`CHILD_ADDRESS_SPACE`]), its CPU time, no core file. The child is
/// killed at `deadline` (a [`CvError::Timeout`]); a child that dies (a stack
/// overflow, an allocation failure, a signal) is an unreadable PDF. No child
/// outlives the call: it is killed and reaped however the call ends.
pub(super) fn text_isolated(body: &[u8], deadline: Instant) -> Result<String, CvError> {
    let remaining = deadline.saturating_duration_since(Instant::now());
    if remaining.is_zero() {
        return Err(CvError::Timeout);
    }
    let mut child = std::process::Command::new(own_executable())
        .arg(CHILD_COMMAND)
        .arg("--deadline-ms")
        .arg(remaining.as_millis().to_string())
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map(Reaped)
        .map_err(|error| {
            tracing::error!(%error, "no process could be started to read a PDF");
            unreadable("no process could be started to read it")
        })?;
    let stdin = child.0.stdin.take();
    let stdout = child.0.stdout.take();
    let stderr = child.0.stderr.take();
    let (answered, answer) = std::sync::mpsc::channel();
    let (answer, status, stderr) = std::thread::scope(|scope| {
        scope.spawn(move || {
            if let Some(mut stdin) = stdin {
                // A child that died before reading it all: its status says why.
                let _ = stdin.write_all(body);
            }
        });
        let stderr = scope.spawn(move || read_bounded(stderr, MAX_STDERR_BYTES));
        scope.spawn(move || {
            let _ = answered.send(read_bounded(stdout, MAX_ANSWER_BYTES));
        });
        let answer = answer
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .ok();
        if answer.is_none() {
            let _ = child.0.kill();
        }
        let status = child.0.wait();
        (answer, status, stderr.join().unwrap_or_default())
    });
    let Some(answer) = answer else {
        return Err(CvError::Timeout);
    };
    let status = status.map_err(|error| {
        tracing::error!(%error, "the process reading a PDF could not be waited for");
        unreadable("its reader was lost")
    })?;
    match serde_json::from_slice::<Answer>(&answer) {
        Ok(answer) if status.success() => match answer {
            Answer::Text(text) => Ok(text),
            Answer::Unreadable(reason) => Err(unreadable(reason)),
            Answer::TextTooLong => Err(CvError::TextTooLong),
            Answer::Timeout => Err(CvError::Timeout),
        },
        _ => Err(died(status, &stderr)),
    }
}

/// Why the child died, from its status and the runtime's last words.
fn died(status: ExitStatus, stderr: &[u8]) -> CvError {
    use std::os::unix::process::ExitStatusExt;
    let stderr = String::from_utf8_lossy(stderr);
    tracing::warn!(%status, stderr = %stderr.trim(), "the process reading a PDF died");
    if status.signal() == Some(libc::SIGXCPU) {
        CvError::Timeout
    } else if stderr.contains("memory allocation of") {
        unreadable(format!(
            "reading it takes more than the {} MiB of memory a CV may take",
            CHILD_ADDRESS_SPACE >> 20
        ))
    } else if stderr.contains("overflowed its stack") {
        unreadable("it nests objects too deep to read")
    } else {
        unreadable("its reader died reading it")
    }
}

/// At most `max` bytes of `pipe`; the rest is read and dropped, so that the
/// child writing it is not blocked.
fn read_bounded(pipe: Option<impl Read>, max: u64) -> Vec<u8> {
    let mut kept = Vec::new();
    if let Some(mut pipe) = pipe {
        let _ = pipe.by_ref().take(max).read_to_end(&mut kept);
        let _ = std::io::copy(&mut pipe, &mut std::io::sink());
    }
    kept
}

/// Kills and reaps its child when dropped, however the parse ended.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// This binary: the running file even when it was replaced on disk since.
fn own_executable() -> std::path::PathBuf {
    if cfg!(target_os = "linux") {
        std::path::PathBuf::from("/proc/self/exe")
    } else {
        std::env::current_exe().unwrap_or_else(|_| std::path::PathBuf::from("demo-app"))
    }
}

/// `demo-app parse-pdf`: reads a PDF on stdin and writes an `Answer` on
/// stdout, within hard limits set first: [`CHILD_ADDRESS_SPACE`], CPU time
/// (`deadline` and `CHILD_CPU_MARGIN`, rounded up to seconds), no core
/// file. Exits non-zero, unread, when a limit cannot be set.
pub fn child_main(deadline: Duration) -> ExitCode {
    let started = Instant::now();
    let cpu_seconds = (deadline + CHILD_CPU_MARGIN).as_secs_f64().ceil() as u64;
    let limits = [
        (Resource::Core, 0, 0),
        (
            Resource::AddressSpace,
            CHILD_ADDRESS_SPACE,
            CHILD_ADDRESS_SPACE,
        ),
        // SIGXCPU at the soft limit, SIGKILL a second later.
        (Resource::Cpu, cpu_seconds, cpu_seconds + 1),
    ];
    for (resource, soft, hard) in limits {
        if let Err(error) = lower_limit(resource, soft, hard) {
            eprintln!("error: the limit {resource:?} could not be set: {error}");
            return ExitCode::FAILURE;
        }
    }
    let mut body = Vec::new();
    if let Err(error) = std::io::stdin()
        .lock()
        .take(MAX_CV_BYTES as u64 + 1)
        .read_to_end(&mut body)
    {
        eprintln!("error: the PDF could not be read from stdin: {error}");
        return ExitCode::FAILURE;
    }
    let answer = if body.len() > MAX_CV_BYTES {
        Answer::Unreadable(format!("it is over {MAX_CV_BYTES} bytes"))
    } else {
        match text(&body, started + deadline) {
            Ok(text) => Answer::Text(text),
            Err(CvError::TextTooLong) => Answer::TextTooLong,
            Err(CvError::Timeout) => Answer::Timeout,
            Err(CvError::Unreadable { reason, .. }) => Answer::Unreadable(reason),
            Err(other) => Answer::Unreadable(other.to_string()),
        }
    };
    let mut stdout = std::io::stdout().lock();
    match serde_json::to_writer(&mut stdout, &answer).map(|()| stdout.flush()) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}

#[derive(Clone, Copy, Debug)]
enum Resource {
    Core,
    AddressSpace,
    Cpu,
}

/// Lowers `resource` to `soft` and `hard`, never above the hard limit the
/// process already has (raising it would fail).
fn lower_limit(resource: Resource, soft: u64, hard: u64) -> std::io::Result<()> {
    let resource = match resource {
        Resource::Core => libc::RLIMIT_CORE,
        Resource::AddressSpace => libc::RLIMIT_AS,
        Resource::Cpu => libc::RLIMIT_CPU,
    };
    let mut current = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the one struct it is given.
    if unsafe { libc::getrlimit(resource, &mut current) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let hard = hard.min(current.rlim_max);
    let limit = libc::rlimit {
        rlim_cur: soft.min(hard),
        rlim_max: hard,
    };
    // SAFETY: setrlimit reads the one struct it is given.
    if unsafe { libc::setrlimit(resource, &limit) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize) -> Object {
        let mut object = Object::Integer(1);
        for _ in 1..depth {
            object = Object::Array(vec![object]);
        }
        object
    }

    #[test]
    fn nesting_is_refused_past_the_limit_only() {
        assert!(check_nesting([&nested(MAX_DEPTH)]).is_ok());
        assert!(matches!(
            check_nesting([&nested(MAX_DEPTH + 1)]),
            Err(CvError::Unreadable { .. })
        ));
    }

    #[test]
    fn inflating_takes_from_one_budget_and_stops_at_it() {
        let deflate = |data: &[u8]| {
            let mut encoder =
                flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(data).and_then(|()| encoder.finish())
        };
        let mut budget = 100;
        let small = deflate(&[7; 60]).expect("deflate");
        assert_eq!(inflate(&small, &mut budget).ok(), Some(vec![7; 60]));
        assert_eq!(budget, 40);
        assert!(
            inflate(&small, &mut budget).is_err(),
            "60 bytes over 40 left"
        );
        let mut budget = MAX_INFLATED_BYTES;
        let bomb = deflate(&vec![0; MAX_INFLATED_BYTES as usize + 1]).expect("deflate");
        assert!(inflate(&bomb, &mut budget).is_err());
    }
}
