
use builtin;
use str;

set edit:completion:arg-completer[scimform] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'scimform'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'scimform'= {
            cand --format 'Output format'
            cand --log-format 'How log lines look'
            cand --no-color 'Never colour the output (also: the NO_COLOR environment variable)'
            cand -q 'Print only problems: no summary, no warnings'
            cand --quiet 'Print only problems: no summary, no warnings'
            cand -v 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand --verbose 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand validate 'Parse and check specs offline, reporting every problem with file:line:col'
            cand plan 'Read the live state, compare it with the specs, and print the plan'
            cand apply 'Plan and execute the changes, in order; or execute a saved plan (--plan FILE)'
            cand show 'Render a saved plan (from `plan --out`)'
            cand import 'Adopt existing apps: list the tenant''s enterprise applications, or write a spec that reproduces one (with `adopt`, so that its first plan takes it over)'
            cand status 'How provisioning is doing for the specs'' apps: the job''s state, quarantine, last cycles, steady state, deletion holds. Read-only'
            cand verify 'Provision the users and groups each spec lists under `provisioning.verify` on demand, and report what the provisioning service did with each: created, updated, already up to date, skipped (and why) or failed (with the SCIM app''s error). Apply does the same after its changes. Graph allows 5 of these calls per 10 seconds; they are paced'
            cand scim-check 'Will Entra''s provisioning work with this SCIM app? Sends the app the requests Entra''s provisioning service sends (the credential probe, discovery, matching queries; with --write a test user''s and group''s whole life), in Entra''s default dialect and with the SCIM 2.0 compliance flag, and reports each operation: passed, or the request and the app''s answer. Checks the specs'' mapped attributes against the app''s /Schemas. For each spec with provisioning, or for --base-url'
            cand drift 'The scheduled job''s one command: the plan''s changes (config drift) and the health of provisioning, together. Read-only'
            cand schema 'Print the JSON Schema of the spec language (draft 2020-12), or of an output'
            cand doctor 'Check that the signed-in application can do what the specs need: its permissions (from the access token), and, under Application.ReadWrite.OwnedBy, that it owns the apps it must change. Prints what is missing with the command that grants it'
            cand completions 'Print a shell completion script (`scimform completions bash > …`)'
            cand emulator 'Run the local Microsoft Graph emulator as a server (for trying specs without a tenant, and for tests). Prints the URLs it serves; stops on Ctrl-C'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'scimform;validate'= {
            cand --format 'Output format'
            cand --log-format 'How log lines look'
            cand --no-color 'Never colour the output (also: the NO_COLOR environment variable)'
            cand -q 'Print only problems: no summary, no warnings'
            cand --quiet 'Print only problems: no summary, no warnings'
            cand -v 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand --verbose 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'scimform;plan'= {
            cand --out 'Save the plan to this file (no secret values), for `apply --plan` and `show`'
            cand --target 'Only this app (`app.NAME`; repeatable), as Terraform''s `-target`: only it is read and planned, other apps of the stack are not orphans, and the plan says it is partial. With `--prune`, a targeted app whose spec is gone is deleted'
            cand --replace 'Redo a part although nothing seems to differ, as Terraform''s `-replace`: `app.NAME.provisioning.token` saves the token again (for a token changed outside scimform, which its fingerprint cannot see); `app.NAME.provisioning.job` recreates the provisioning job. Repeatable'
            cand --allow-deletes 'Carry out the deletions the accidental-deletion guard holds for app NAME (`app.NAME`): the portal''s "Allow deletes". Review them in the provisioning logs first. Repeatable'
            cand --stack 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)'
            cand --cloud 'The Microsoft cloud'
            cand --graph-url 'Graph''s v1.0 root, to use a proxy or an emulator (plain http only for loopback)'
            cand --authority-url 'The sign-in authority host (plain http only for loopback)'
            cand --concurrency 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them'
            cand --timeout 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)'
            cand --format 'Output format'
            cand --log-format 'How log lines look'
            cand --detailed-exitcode 'Exit 2 when there are changes (0 when none, 1 on errors)'
            cand --prune 'Plan the deletion of managed apps of this stack whose spec is gone'
            cand --require-tokens 'Refuse SCIM tokens absent here (by default a plan without them is exact about everything else and says which tokens it did not check; apply always needs them)'
            cand --destroy 'Retire the stack: delete every managed app of it (with `--target`, those named), with its job and assignments, whatever the specs say. Apply asks for the stack''s name on a terminal, and `--max-deletes` still bounds it'
            cand --emulator 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json'
            cand --no-color 'Never colour the output (also: the NO_COLOR environment variable)'
            cand -q 'Print only problems: no summary, no warnings'
            cand --quiet 'Print only problems: no summary, no warnings'
            cand -v 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand --verbose 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'scimform;apply'= {
            cand --plan 'Execute this saved plan instead of planning anew'
            cand --target 'Only this app (`app.NAME`; repeatable), as Terraform''s `-target`: only it is read and planned, other apps of the stack are not orphans, and the plan says it is partial. With `--prune`, a targeted app whose spec is gone is deleted'
            cand --replace 'Redo a part although nothing seems to differ, as Terraform''s `-replace`: `app.NAME.provisioning.token` saves the token again (for a token changed outside scimform, which its fingerprint cannot see); `app.NAME.provisioning.job` recreates the provisioning job. Repeatable'
            cand --allow-deletes 'Carry out the deletions the accidental-deletion guard holds for app NAME (`app.NAME`): the portal''s "Allow deletes". Review them in the provisioning logs first. Repeatable'
            cand --stack 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)'
            cand --max-deletes 'Stop before the first change if the plan removes more than this many things'
            cand --settle-ms 'How long, in milliseconds, to look for what a concurrent apply (or a create whose answer was lost) made before concluding it is not there; raise it for tenants with slow replication. Default: 2000, or 200 with the embedded emulator (no replication lag there)'
            cand --write-rate 'Writes per second that runs of assignments are paced to (sent 20 to a `$batch`). Default: 20, Graph''s write quota per app and tenant (3,000 per 150 s); lower it when other tools write with the same app registration'
            cand --cloud 'The Microsoft cloud'
            cand --graph-url 'Graph''s v1.0 root, to use a proxy or an emulator (plain http only for loopback)'
            cand --authority-url 'The sign-in authority host (plain http only for loopback)'
            cand --concurrency 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them'
            cand --timeout 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)'
            cand --format 'Output format'
            cand --log-format 'How log lines look'
            cand --auto-approve 'Do not ask for confirmation'
            cand --prune 'Delete managed apps of this stack whose spec is gone'
            cand --destroy 'Retire the stack: delete every managed app of it (with `--target`, those named), with its job and assignments, whatever the specs say. Apply asks for the stack''s name on a terminal, and `--max-deletes` still bounds it'
            cand --emulator 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json'
            cand --no-color 'Never colour the output (also: the NO_COLOR environment variable)'
            cand -q 'Print only problems: no summary, no warnings'
            cand --quiet 'Print only problems: no summary, no warnings'
            cand -v 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand --verbose 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'scimform;show'= {
            cand --format 'Output format'
            cand --log-format 'How log lines look'
            cand --no-color 'Never colour the output (also: the NO_COLOR environment variable)'
            cand -q 'Print only problems: no summary, no warnings'
            cand --quiet 'Print only problems: no summary, no warnings'
            cand -v 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand --verbose 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'scimform;import'= {
            cand --name 'The app name in the spec (default: made from the display name)'
            cand --out 'Where to write: a directory (one NAME.yaml per app, never overwriting a file) or `-` for standard output (the default for one app)'
            cand --cloud 'The Microsoft cloud'
            cand --graph-url 'Graph''s v1.0 root, to use a proxy or an emulator (plain http only for loopback)'
            cand --authority-url 'The sign-in authority host (plain http only for loopback)'
            cand --concurrency 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them'
            cand --timeout 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)'
            cand --format 'Output format'
            cand --log-format 'How log lines look'
            cand --list 'List the tenant''s enterprise applications instead'
            cand --all-unmanaged 'Write a spec for every enterprise application scimform does not manage (needs --out)'
            cand --emulator 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json'
            cand --no-color 'Never colour the output (also: the NO_COLOR environment variable)'
            cand -q 'Print only problems: no summary, no warnings'
            cand --quiet 'Print only problems: no summary, no warnings'
            cand -v 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand --verbose 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'scimform;status'= {
            cand --logs 'Also show the last N things the provisioning service did per app (who was created, updated, disabled; from the provisioning logs, which need the AuditLog.Read.All permission)'
            cand --target 'Only this app (`app.NAME`; repeatable): only it is read and judged'
            cand --metrics-file 'Also write the findings to FILE in Prometheus'' text format (per app: drift, health, quarantine, failed objects, last successful cycle), whole or not at all, for node_exporter''s textfile collector'
            cand --stack 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)'
            cand --cloud 'The Microsoft cloud'
            cand --graph-url 'Graph''s v1.0 root, to use a proxy or an emulator (plain http only for loopback)'
            cand --authority-url 'The sign-in authority host (plain http only for loopback)'
            cand --concurrency 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them'
            cand --timeout 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)'
            cand --format 'Output format'
            cand --log-format 'How log lines look'
            cand --test-connection 'Also run Test Connection with the credentials saved on each app: how a token changed or revoked outside scimform shows'
            cand --emulator 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json'
            cand --no-color 'Never colour the output (also: the NO_COLOR environment variable)'
            cand -q 'Print only problems: no summary, no warnings'
            cand --quiet 'Print only problems: no summary, no warnings'
            cand -v 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand --verbose 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'scimform;verify'= {
            cand --stack 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)'
            cand --cloud 'The Microsoft cloud'
            cand --graph-url 'Graph''s v1.0 root, to use a proxy or an emulator (plain http only for loopback)'
            cand --authority-url 'The sign-in authority host (plain http only for loopback)'
            cand --concurrency 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them'
            cand --timeout 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)'
            cand --format 'Output format'
            cand --log-format 'How log lines look'
            cand --emulator 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json'
            cand --no-color 'Never colour the output (also: the NO_COLOR environment variable)'
            cand -q 'Print only problems: no summary, no warnings'
            cand --quiet 'Print only problems: no summary, no warnings'
            cand -v 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand --verbose 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'scimform;scim-check'= {
            cand --stack 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)'
            cand --base-url 'Check this SCIM base URL instead of the specs'' (with the `scim` template''s default mappings; `?aadOptscim062020` selects the compliance flag''s dialect)'
            cand --token-env 'The environment variable holding --base-url''s bearer token'
            cand --time-limit 'Stop after this many seconds (the cleanup of test objects gets 30 more)'
            cand --pace-ms 'At least this many milliseconds between two requests to the app'
            cand --format 'Output format'
            cand --log-format 'How log lines look'
            cand --write 'Also check writes: create, change and delete a test user per dialect and a test group'
            cand --no-color 'Never colour the output (also: the NO_COLOR environment variable)'
            cand -q 'Print only problems: no summary, no warnings'
            cand --quiet 'Print only problems: no summary, no warnings'
            cand -v 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand --verbose 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'scimform;drift'= {
            cand --logs 'Also show the last N things the provisioning service did per app (who was created, updated, disabled; from the provisioning logs, which need the AuditLog.Read.All permission)'
            cand --target 'Only this app (`app.NAME`; repeatable): only it is read and judged'
            cand --metrics-file 'Also write the findings to FILE in Prometheus'' text format (per app: drift, health, quarantine, failed objects, last successful cycle), whole or not at all, for node_exporter''s textfile collector'
            cand --stack 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)'
            cand --cloud 'The Microsoft cloud'
            cand --graph-url 'Graph''s v1.0 root, to use a proxy or an emulator (plain http only for loopback)'
            cand --authority-url 'The sign-in authority host (plain http only for loopback)'
            cand --concurrency 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them'
            cand --timeout 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)'
            cand --format 'Output format'
            cand --log-format 'How log lines look'
            cand --test-connection 'Also run Test Connection with the credentials saved on each app: how a token changed or revoked outside scimform shows'
            cand --emulator 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json'
            cand --no-color 'Never colour the output (also: the NO_COLOR environment variable)'
            cand -q 'Print only problems: no summary, no warnings'
            cand --quiet 'Print only problems: no summary, no warnings'
            cand -v 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand --verbose 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'scimform;schema'= {
            cand --format 'Output format'
            cand --log-format 'How log lines look'
            cand --no-color 'Never colour the output (also: the NO_COLOR environment variable)'
            cand -q 'Print only problems: no summary, no warnings'
            cand --quiet 'Print only problems: no summary, no warnings'
            cand -v 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand --verbose 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'scimform;doctor'= {
            cand --for 'What the identity is for: `plan` (pull requests: read permissions only), `drift` (the nightly job: reads, with provisioning logs and Test Connection optional), or `apply` (changes; also ownership under Application.ReadWrite.OwnedBy)'
            cand --stack 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)'
            cand --cloud 'The Microsoft cloud'
            cand --graph-url 'Graph''s v1.0 root, to use a proxy or an emulator (plain http only for loopback)'
            cand --authority-url 'The sign-in authority host (plain http only for loopback)'
            cand --concurrency 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them'
            cand --timeout 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)'
            cand --format 'Output format'
            cand --log-format 'How log lines look'
            cand --emulator 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json'
            cand --no-color 'Never colour the output (also: the NO_COLOR environment variable)'
            cand -q 'Print only problems: no summary, no warnings'
            cand --quiet 'Print only problems: no summary, no warnings'
            cand -v 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand --verbose 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'scimform;completions'= {
            cand --format 'Output format'
            cand --log-format 'How log lines look'
            cand --no-color 'Never colour the output (also: the NO_COLOR environment variable)'
            cand -q 'Print only problems: no summary, no warnings'
            cand --quiet 'Print only problems: no summary, no warnings'
            cand -v 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand --verbose 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'scimform;emulator'= {
            cand --listen 'Address to listen on; port 0 picks a free port'
            cand --seed 'Tenant file to start from (JSON; see examples/demo-tenant.json). Default: the built-in demo tenant'
            cand --state-file 'Keep the tenant in this file across runs'
            cand --cycle-interval 'Seconds between provisioning cycles of a running job (Graph''s are 40 minutes)'
            cand --scim-target 'Send the SCIM requests for a job''s base URL to another SCIM server instead of the built-in one: `BASE_URL=TARGET_URL` (for example `https://contoso.goskope.com/api/v2/scim=http://127.0.0.1:8080`). Repeatable'
            cand --format 'Output format'
            cand --log-format 'How log lines look'
            cand --probe-scim 'Make Test Connection really call the SCIM endpoint with the bearer token'
            cand --no-color 'Never colour the output (also: the NO_COLOR environment variable)'
            cand -q 'Print only problems: no summary, no warnings'
            cand --quiet 'Print only problems: no summary, no warnings'
            cand -v 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand --verbose 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'scimform;help'= {
            cand validate 'Parse and check specs offline, reporting every problem with file:line:col'
            cand plan 'Read the live state, compare it with the specs, and print the plan'
            cand apply 'Plan and execute the changes, in order; or execute a saved plan (--plan FILE)'
            cand show 'Render a saved plan (from `plan --out`)'
            cand import 'Adopt existing apps: list the tenant''s enterprise applications, or write a spec that reproduces one (with `adopt`, so that its first plan takes it over)'
            cand status 'How provisioning is doing for the specs'' apps: the job''s state, quarantine, last cycles, steady state, deletion holds. Read-only'
            cand verify 'Provision the users and groups each spec lists under `provisioning.verify` on demand, and report what the provisioning service did with each: created, updated, already up to date, skipped (and why) or failed (with the SCIM app''s error). Apply does the same after its changes. Graph allows 5 of these calls per 10 seconds; they are paced'
            cand scim-check 'Will Entra''s provisioning work with this SCIM app? Sends the app the requests Entra''s provisioning service sends (the credential probe, discovery, matching queries; with --write a test user''s and group''s whole life), in Entra''s default dialect and with the SCIM 2.0 compliance flag, and reports each operation: passed, or the request and the app''s answer. Checks the specs'' mapped attributes against the app''s /Schemas. For each spec with provisioning, or for --base-url'
            cand drift 'The scheduled job''s one command: the plan''s changes (config drift) and the health of provisioning, together. Read-only'
            cand schema 'Print the JSON Schema of the spec language (draft 2020-12), or of an output'
            cand doctor 'Check that the signed-in application can do what the specs need: its permissions (from the access token), and, under Application.ReadWrite.OwnedBy, that it owns the apps it must change. Prints what is missing with the command that grants it'
            cand completions 'Print a shell completion script (`scimform completions bash > …`)'
            cand emulator 'Run the local Microsoft Graph emulator as a server (for trying specs without a tenant, and for tests). Prints the URLs it serves; stops on Ctrl-C'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'scimform;help;validate'= {
        }
        &'scimform;help;plan'= {
        }
        &'scimform;help;apply'= {
        }
        &'scimform;help;show'= {
        }
        &'scimform;help;import'= {
        }
        &'scimform;help;status'= {
        }
        &'scimform;help;verify'= {
        }
        &'scimform;help;scim-check'= {
        }
        &'scimform;help;drift'= {
        }
        &'scimform;help;schema'= {
        }
        &'scimform;help;doctor'= {
        }
        &'scimform;help;completions'= {
        }
        &'scimform;help;emulator'= {
        }
        &'scimform;help;help'= {
        }
    ]
    $completions[$command]
}
