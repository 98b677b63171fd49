//! Measuring a child process without unsafe code: its CPU time from this process's
//! `cutime`/`cstime` in `/proc/self/stat` (the children it waited for), and its peak RSS
//! from the child's own `VmHWM` in `/proc/<pid>/status`, sampled every few milliseconds
//! while it runs (a high-water mark, so the last sample before exit is the peak, give or
//! take what the last milliseconds add).

use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Linux reports `/proc` times in clock ticks of 1/100 s (`USER_HZ`).
const TICKS_PER_SECOND: f64 = 100.0;
const SAMPLE: Duration = Duration::from_millis(3);

/// What one run of a child took.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Usage {
    /// Wall time, seconds.
    pub(crate) wall_s: f64,
    /// User and system CPU time, seconds.
    pub(crate) cpu_s: f64,
    /// Peak resident set, MiB.
    pub(crate) peak_rss_mib: f64,
}

/// Runs `command` to its end; its output and usage.
pub(crate) fn run(mut command: Command) -> anyhow::Result<(Output, Usage)> {
    let before = children_cpu()?;
    let started = Instant::now();
    let child = command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn()?;
    let pid = child.id();
    let sampler = std::thread::spawn(move || {
        let mut peak_kib = 0u64;
        while let Some(kib) = high_water_kib(pid) {
            peak_kib = peak_kib.max(kib);
            std::thread::sleep(SAMPLE);
        }
        peak_kib
    });
    let output = child.wait_with_output()?;
    let wall_s = started.elapsed().as_secs_f64();
    let peak_kib = sampler.join().unwrap_or(0);
    let cpu_s = children_cpu()? - before;
    Ok((output, Usage { wall_s, cpu_s, peak_rss_mib: peak_kib as f64 / 1024.0 }))
}

/// `VmHWM` of a running process in KiB; `None` once it has exited.
fn high_water_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU seconds of the children this process has waited for.
fn children_cpu() -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // Fields after the command name (which may hold spaces) start at field 3.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // cutime and cstime are fields 16 and 17 (1-based), so 13 and 14 after `)`.
    let ticks = |index: usize| fields.get(index).and_then(|field| field.parse::<f64>().ok()).unwrap_or(0.0);
    Ok((ticks(13) + ticks(14)) / TICKS_PER_SECOND)
}

/// This process's own CPU seconds and peak RSS (MiB), for in-process sections.
pub(crate) fn own() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |index: usize| fields.get(index).and_then(|field| field.parse::<f64>().ok()).unwrap_or(0.0);
    let cpu = (ticks(11) + ticks(12)) / TICKS_PER_SECOND;
    let peak = high_water_kib(std::process::id()).unwrap_or(0) as f64 / 1024.0;
    (cpu, peak)
}
