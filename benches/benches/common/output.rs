//! Where benches that are not criterion's write their numbers:
//! `<target>/sesame-bench/`, beside `<target>/criterion/`, for the report.

use std::path::PathBuf;

/// The cargo target directory: `CARGO_TARGET_DIR` when set, else the one
/// this binary was built into (`<target>/<profile>/deps/<bench>`).
pub(crate) fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("target"))
}

/// Writes `value` as pretty JSON to `<target>/sesame-bench/<name>` and says
/// where.
pub(crate) fn write_json(name: &str, value: &serde_json::Value) {
    let dir = target_dir().join("sesame-bench");
    let path = dir.join(name);
    let written = std::fs::create_dir_all(&dir).and_then(|()| {
        std::fs::write(
            &path,
            serde_json::to_string_pretty(value).unwrap_or_default() + "\n",
        )
    });
    match written {
        Ok(()) => println!("wrote {}", path.display()),
        Err(e) => println!("could not write {}: {e}", path.display()),
    }
}
