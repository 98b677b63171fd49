//! Files scimform writes for its user: plan files and the embedded emulator's state are
//! private to the user (mode 0600 on Unix), and the `.scimform/` directory ignores itself
//! in git.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path`, readable and writable by the owner only.
///
/// The bytes go to a new file beside `path` (created exclusively, mode 0600 from the
/// start), which is then renamed over `path`. So a symlink at `path` is replaced, never
/// followed: a `plan --out` into a directory a pull request filled cannot overwrite or
/// chmod a file elsewhere; and a reader never sees half a file.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| std::io::Error::other("the path names no file"))?;
    let temporary = directory.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&temporary).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    match written.and_then(|()| std::fs::rename(&temporary, path)) {
        Ok(()) => Ok(()),
        Err(error) => {
            let _ = std::fs::remove_file(&temporary);
            Err(error)
        }
    }
}

/// Creates `directory` (owner only on Unix) with a `.gitignore` of `*`, so that what
/// scimform keeps there never lands in the spec repository.
pub(crate) fn private_directory(directory: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(directory)?;
    let ignore = directory.join(".gitignore");
    if !ignore.exists() {
        std::fs::write(ignore, "# Written by scimform: local state, never committed.\n*\n")?;
    }
    Ok(())
}
