//! `scimform emulator`: run the local Graph emulator as a server until Ctrl-C.

use std::io::Write;

use anyhow::Context;

use crate::ExitStatus;
use crate::cli::EmulatorArgs;

pub(crate) fn run(args: &EmulatorArgs) -> anyhow::Result<ExitStatus> {
    let seed_text = match &args.seed {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the tenant file `{}`", path.display()))?,
        None => scimform_emulator::DEMO_TENANT.to_owned(),
    };
    let seed = scimform_emulator::Seed::from_json(&seed_text).with_context(|| match &args.seed {
        Some(path) => {
            format!("`{}` is not a tenant file (see examples/demo-tenant.json for the format)", path.display())
        }
        None => "the built-in demo tenant is broken".to_owned(),
    })?;
    let options = scimform_emulator::Options {
        seed,
        listen: args.listen,
        state_file: args.state_file.clone(),
        probe_scim: args.probe_scim,
    };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let running = scimform_emulator::start(options).await.context("cannot start the emulator")?;
        let mut out = anstream::stdout().lock();
        writeln!(out, "scimform emulator listening on {}", running.base_url())?;
        writeln!(out, "  graph url:     {}", running.graph_url())?;
        writeln!(out, "  authority url: {}", running.authority_url())?;
        writeln!(out, "  token url:     {}", running.token_url())?;
        writeln!(out, "  admin api:     {}", running.admin_url())?;
        writeln!(out, "  tenant:        {}", running.tenant_id())?;
        writeln!(out, "Press Ctrl-C to stop.")?;
        out.flush()?;
        drop(out);
        tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
        running.shutdown().await;
        anyhow::Ok(())
    })?;
    Ok(ExitStatus::Success)
}
