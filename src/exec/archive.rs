//! Tar archives of the plan's files, one per target folder, for the
//! engine's archive upload.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;

use crate::plan::PlannedFile;

/// Groups files by parent folder and builds one tar per folder, with
/// entries named relative to it. Folders come back sorted.
pub fn build(files: &[PlannedFile]) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut by_dir: BTreeMap<String, Vec<&PlannedFile>> = BTreeMap::new();
    for file in files {
        let path = Path::new(&file.path);
        anyhow::ensure!(
            path.is_absolute(),
            "planned file path `{}` is not absolute",
            file.path
        );
        let Some(dir) = path.parent().filter(|_| path.file_name().is_some()) else {
            anyhow::bail!(
                "planned file path `{}` has no parent folder or file name",
                file.path
            );
        };
        by_dir
            .entry(dir.display().to_string())
            .or_default()
            .push(file);
    }

    let mut archives = Vec::with_capacity(by_dir.len());
    for (dir, files) in by_dir {
        let mut builder = tar::Builder::new(Vec::new());
        for file in files {
            let name = Path::new(&file.path).file_name().expect("checked above");
            let mut header = tar::Header::new_gnu();
            header.set_size(file.content.len() as u64);
            header.set_mode(file.mode);
            header.set_mtime(0);
            header.set_uid(0);
            header.set_gid(0);
            header.set_entry_type(tar::EntryType::Regular);
            builder
                .append_data(&mut header, name, file.content.as_slice())
                .with_context(|| format!("adding {} to the archive", file.path))?;
        }
        let bytes = builder.into_inner().context("finishing the file archive")?;
        archives.push((dir, bytes));
    }
    Ok(archives)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, content: &str) -> PlannedFile {
        PlannedFile {
            path: path.into(),
            sha256: String::new(),
            size: content.len() as u64,
            mode: 0o644,
            content: content.as_bytes().to_vec(),
        }
    }

    #[test]
    fn archive_groups_files_by_folder() {
        let archives = build(&[
            file("/opt/trainc/a.py", "print(1)"),
            file("/opt/trainc/b.sh", "echo"),
        ])
        .unwrap();
        assert_eq!(archives.len(), 1);
        assert_eq!(archives[0].0, "/opt/trainc");

        let mut reader = tar::Archive::new(archives[0].1.as_slice());
        let names: Vec<String> = reader
            .entries()
            .unwrap()
            .map(|entry| entry.unwrap().path().unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["a.py", "b.sh"]);
    }

    #[test]
    fn archive_rejects_relative_path() {
        assert!(build(&[file("opt/a.py", "x")]).is_err());
    }
}
