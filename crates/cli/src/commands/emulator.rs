//! `scimform emulator`: run the local Graph emulator as a server until Ctrl-C.

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
    let clients = seed.clients.clone();
    let options = scimform_emulator::Options {
        seed,
        listen: args.listen,
        state_file: args.state_file.clone(),
        probe_scim: args.probe_scim,
        schedule: scimform_emulator::Schedule {
            enabled: true,
            interval: std::time::Duration::from_secs(args.cycle_interval),
        },
        scim_targets: args
            .scim_target
            .iter()
            .map(|pair| {
                pair.split_once('=')
                    .map(|(base, target)| (base.to_owned(), target.to_owned()))
                    .with_context(|| format!("--scim-target `{pair}` is not BASE_URL=TARGET_URL"))
            })
            .collect::<anyhow::Result<_>>()?,
    };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let running = scimform_emulator::start(options).await.context("cannot start the emulator")?;
        crate::render::stdout(&format!(
            "scimform emulator listening on {}\n  graph url:     {}\n  authority url: {}\n  token url:     {}\n  admin api:     {}\n  tenant:        {}\nPress Ctrl-C to stop.\n",
            running.base_url(),
            running.graph_url(),
            running.authority_url(),
            running.token_url(),
            running.admin_url(),
            running.tenant_id()
        ))?;
        crate::render::stdout(&sign_in_help(&running, &clients))?;
        tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
        running.shutdown().await;
        anyhow::Ok(())
    })?;
    Ok(ExitStatus::Success)
}

/// How to point scimform at the running emulator: for each API client of the tenant file
/// with a secret (the demo tenant's are made up and public), the environment to sign in
/// as it. The emulator's own credentials, never a real tenant's.
fn sign_in_help(running: &scimform_emulator::Running, clients: &[scimform_emulator::Client]) -> String {
    let mut out = String::from("\nTo use it from another shell, as one of the tenant's API clients:\n");
    for client in clients.iter().filter(|client| client.secret.is_some()) {
        out.push_str(&format!(
            "\n  # {} ({})\n  export AZURE_TENANT_ID={} AZURE_CLIENT_ID={} AZURE_CLIENT_SECRET={}\n  export SCIMFORM_GRAPH_URL={} SCIMFORM_AUTHORITY_URL={}\n",
            client.display_name,
            client.permissions.join(", "),
            running.tenant_id(),
            client.client_id,
            client.secret.as_deref().unwrap_or_default(),
            running.graph_url(),
            running.authority_url(),
        ));
    }
    out
}
