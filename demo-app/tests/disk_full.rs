//! A full disk (issue 17, point 7), on a real one: the data directory on a
//! 24 MiB tmpfs, filled with a file. Writes that fail for lack of space are
//! 503 with `Retry-After`, `/ready` says the database is unwritable while
//! `/health` stays 200, nothing acknowledged is lost, and freeing the space
//! is all it takes to recover. Needs `mount -t tmpfs` (root); skipped with a
//! note otherwise.

mod common;

use common::{data_dir, delta, Demo};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs mounted on a directory, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(on: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(on).ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(on)
            .status()
            .is_ok_and(|status| status.success());
        mounted.then(|| Tmpfs(on.to_owned()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Writes zeros into `path` until the file system is full.
fn fill(path: &Path) -> u64 {
    let mut file = std::fs::File::create(path).expect("the filler");
    let block = vec![0u8; 64 * 1024];
    let mut written = 0u64;
    while file.write_all(&block).is_ok() {
        written += block.len() as u64;
    }
    // The last partial block, byte by byte in 4 KiB steps.
    while file.write_all(&block[..4096]).is_ok() {
        written += 4096;
    }
    let _ = file.sync_all();
    written
}

/// A plain-text CV of about `kib` KiB of text.
fn cv(kib: usize, tag: usize) -> String {
    let words: String = (0..kib * 1024 / 8)
        .map(|index| format!("w{:05x} ", (index + tag) % 0xfffff))
        .collect();
    format!("CV {tag}\n\nSkills\nRust\n\nExperience\n{words}")
}

#[test]
fn a_full_disk_is_503_and_unready_loses_nothing_and_recovers_when_space_is_freed() {
    let root = data_dir("disk-full");
    let Some(disk) = Tmpfs::mount(&root.path().join("disk"), "24m") else {
        eprintln!("skipped: mount -t tmpfs is not permitted here (needs root)");
        return;
    };
    let data = disk.0.join("data");
    std::fs::create_dir_all(&data).expect("the data directory");
    let demo = Demo::start(&data, &[]);
    assert_eq!(
        demo.get("/ready").status,
        200,
        "{}",
        demo.get("/ready").body
    );

    let upload = |body: &str| {
        demo.call(
            "POST",
            "/api/cvs",
            &[("content-type", "text/plain")],
            body.as_bytes(),
        )
    };
    let mut stored = Vec::new();
    for tag in 0..3 {
        let answer = upload(&cv(64, tag));
        assert_eq!(answer.status, 201, "{}", answer.body);
        stored.push((answer.json()["id"].as_i64().expect("an id"), answer.body));
    }

    let before = demo.scrape();
    let filler = disk.0.join("filler");
    let filled = fill(&filler);
    eprintln!("filled the 24 MiB tmpfs with {} KiB", filled / 1024);
    // Writes large enough to need new space fail: 503 with Retry-After.
    let mut refused = 0;
    for tag in 10..14 {
        let answer = upload(&cv(900, tag));
        assert_eq!(answer.status, 503, "{}", answer.body);
        assert!(
            answer.header("retry-after").is_some(),
            "{:?}",
            answer.headers
        );
        assert!(answer.body.contains("disk is full"), "{}", answer.body);
        refused += 1;
    }
    assert_eq!(demo.get("/health").status, 200, "the process is alive");
    let ready = demo.get("/ready");
    assert_eq!(ready.status, 503, "{}", ready.body);
    assert_eq!(ready.json()["status"], "disk_full");
    assert!(ready.header("retry-after").is_some());
    // What was acknowledged is still there, and reads are served.
    for (id, body) in &stored {
        let again = demo.get(&format!("/api/cvs/{id}"));
        assert_eq!(again.status, 200);
        let original: serde_json::Value = serde_json::from_str(body).expect("JSON");
        assert_eq!(again.json()["sections"], original["sections"]);
    }
    let after = demo.scrape();
    assert_eq!(
        delta(
            &before,
            &after,
            "api_handler_errors_total",
            &[("handler", "upload_cv"), ("error_type", "unavailable")]
        ),
        f64::from(refused)
    );
    assert_eq!(
        delta(
            &before,
            &after,
            "api_handler_errors_total",
            &[("handler", "upload_cv"), ("error_type", "internal")]
        ),
        0.0
    );

    // Space freed: ready again and writing, without a restart.
    std::fs::remove_file(&filler).expect("the filler removed");
    demo.wait_until("ready again", |demo| demo.get("/ready").status == 200);
    let answer = upload(&cv(900, 20));
    assert_eq!(answer.status, 201, "{}", answer.body);
    for (id, _) in &stored {
        assert_eq!(demo.get(&format!("/api/cvs/{id}")).status, 200);
    }
    drop(demo);
    drop(disk);
}
