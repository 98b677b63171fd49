
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'scimform' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'scimform'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'scimform' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines look')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Parse and check specs offline, reporting every problem with file:line:col')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Read the live state, compare it with the specs, and print the plan')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Plan and execute the changes, in order; or execute a saved plan (--plan FILE)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Render a saved plan (from `plan --out`)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Adopt existing apps: list the tenant''s enterprise applications, or write a spec that reproduces one (with `adopt`, so that its first plan takes it over)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'How provisioning is doing for the specs'' apps: the job''s state, quarantine, last cycles, steady state, deletion holds. Read-only')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Provision the users and groups each spec lists under `provisioning.verify` on demand, and report what the provisioning service did with each: created, updated, already up to date, skipped (and why) or failed (with the SCIM app''s error). Apply does the same after its changes. Graph allows 5 of these calls per 10 seconds; they are paced')
            [CompletionResult]::new('scim-check', 'scim-check', [CompletionResultType]::ParameterValue, 'Will Entra''s provisioning work with this SCIM app? Sends the app the requests Entra''s provisioning service sends (the credential probe, discovery, matching queries; with --write a test user''s and group''s whole life), in Entra''s default dialect and with the SCIM 2.0 compliance flag, and reports each operation: passed, or the request and the app''s answer. Checks the specs'' mapped attributes against the app''s /Schemas. For each spec with provisioning, or for --base-url')
            [CompletionResult]::new('drift', 'drift', [CompletionResultType]::ParameterValue, 'The scheduled job''s one command: the plan''s changes (config drift) and the health of provisioning, together. Read-only')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print the JSON Schema of the spec language (draft 2020-12), or of an output')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check that the signed-in application can do what the specs need: its permissions (from the access token), and, under Application.ReadWrite.OwnedBy, that it owns the apps it must change. Prints what is missing with the command that grants it')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (`scimform completions bash > …`)')
            [CompletionResult]::new('emulator', 'emulator', [CompletionResultType]::ParameterValue, 'Run the local Microsoft Graph emulator as a server (for trying specs without a tenant, and for tests). Prints the URLs it serves; stops on Ctrl-C')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'scimform;validate' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines look')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'scimform;plan' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Save the plan to this file (no secret values), for `apply --plan` and `show`')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Only this app (`app.NAME`; repeatable), as Terraform''s `-target`: only it is read and planned, other apps of the stack are not orphans, and the plan says it is partial. With `--prune`, a targeted app whose spec is gone is deleted')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Redo a part although nothing seems to differ, as Terraform''s `-replace`: `app.NAME.provisioning.token` saves the token again (for a token changed outside scimform, which its fingerprint cannot see); `app.NAME.provisioning.job` recreates the provisioning job. Repeatable')
            [CompletionResult]::new('--allow-deletes', '--allow-deletes', [CompletionResultType]::ParameterName, 'Carry out the deletions the accidental-deletion guard holds for app NAME (`app.NAME`): the portal''s "Allow deletes". Review them in the provisioning logs first. Repeatable')
            [CompletionResult]::new('--stack', '--stack', [CompletionResultType]::ParameterName, 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)')
            [CompletionResult]::new('--cloud', '--cloud', [CompletionResultType]::ParameterName, 'The Microsoft cloud')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Graph''s v1.0 root, to use a proxy or an emulator (plain http only for loopback)')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'The sign-in authority host (plain http only for loopback)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines look')
            [CompletionResult]::new('--detailed-exitcode', '--detailed-exitcode', [CompletionResultType]::ParameterName, 'Exit 2 when there are changes (0 when none, 1 on errors)')
            [CompletionResult]::new('--prune', '--prune', [CompletionResultType]::ParameterName, 'Plan the deletion of managed apps of this stack whose spec is gone')
            [CompletionResult]::new('--require-tokens', '--require-tokens', [CompletionResultType]::ParameterName, 'Refuse SCIM tokens absent here (by default a plan without them is exact about everything else and says which tokens it did not check; apply always needs them)')
            [CompletionResult]::new('--destroy', '--destroy', [CompletionResultType]::ParameterName, 'Retire the stack: delete every managed app of it (with `--target`, those named), with its job and assignments, whatever the specs say. Apply asks for the stack''s name on a terminal, and `--max-deletes` still bounds it')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'scimform;apply' {
            [CompletionResult]::new('--plan', '--plan', [CompletionResultType]::ParameterName, 'Execute this saved plan instead of planning anew')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Only this app (`app.NAME`; repeatable), as Terraform''s `-target`: only it is read and planned, other apps of the stack are not orphans, and the plan says it is partial. With `--prune`, a targeted app whose spec is gone is deleted')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Redo a part although nothing seems to differ, as Terraform''s `-replace`: `app.NAME.provisioning.token` saves the token again (for a token changed outside scimform, which its fingerprint cannot see); `app.NAME.provisioning.job` recreates the provisioning job. Repeatable')
            [CompletionResult]::new('--allow-deletes', '--allow-deletes', [CompletionResultType]::ParameterName, 'Carry out the deletions the accidental-deletion guard holds for app NAME (`app.NAME`): the portal''s "Allow deletes". Review them in the provisioning logs first. Repeatable')
            [CompletionResult]::new('--stack', '--stack', [CompletionResultType]::ParameterName, 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)')
            [CompletionResult]::new('--max-deletes', '--max-deletes', [CompletionResultType]::ParameterName, 'Stop before the first change if the plan removes more than this many things')
            [CompletionResult]::new('--settle-ms', '--settle-ms', [CompletionResultType]::ParameterName, 'How long, in milliseconds, to look for what a concurrent apply (or a create whose answer was lost) made before concluding it is not there; raise it for tenants with slow replication. Default: 2000, or 200 with the embedded emulator (no replication lag there)')
            [CompletionResult]::new('--write-rate', '--write-rate', [CompletionResultType]::ParameterName, 'Writes per second that runs of assignments are paced to (sent 20 to a `$batch`). Default: 20, Graph''s write quota per app and tenant (3,000 per 150 s); lower it when other tools write with the same app registration')
            [CompletionResult]::new('--cloud', '--cloud', [CompletionResultType]::ParameterName, 'The Microsoft cloud')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Graph''s v1.0 root, to use a proxy or an emulator (plain http only for loopback)')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'The sign-in authority host (plain http only for loopback)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines look')
            [CompletionResult]::new('--auto-approve', '--auto-approve', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--prune', '--prune', [CompletionResultType]::ParameterName, 'Delete managed apps of this stack whose spec is gone')
            [CompletionResult]::new('--destroy', '--destroy', [CompletionResultType]::ParameterName, 'Retire the stack: delete every managed app of it (with `--target`, those named), with its job and assignments, whatever the specs say. Apply asks for the stack''s name on a terminal, and `--max-deletes` still bounds it')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'scimform;show' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines look')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'scimform;import' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The app name in the spec (default: made from the display name)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Where to write: a directory (one NAME.yaml per app, never overwriting a file) or `-` for standard output (the default for one app)')
            [CompletionResult]::new('--cloud', '--cloud', [CompletionResultType]::ParameterName, 'The Microsoft cloud')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Graph''s v1.0 root, to use a proxy or an emulator (plain http only for loopback)')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'The sign-in authority host (plain http only for loopback)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines look')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List the tenant''s enterprise applications instead')
            [CompletionResult]::new('--all-unmanaged', '--all-unmanaged', [CompletionResultType]::ParameterName, 'Write a spec for every enterprise application scimform does not manage (needs --out)')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'scimform;status' {
            [CompletionResult]::new('--logs', '--logs', [CompletionResultType]::ParameterName, 'Also show the last N things the provisioning service did per app (who was created, updated, disabled; from the provisioning logs, which need the AuditLog.Read.All permission)')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Only this app (`app.NAME`; repeatable): only it is read and judged')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'Also write the findings to FILE in Prometheus'' text format (per app: drift, health, quarantine, failed objects, last successful cycle), whole or not at all, for node_exporter''s textfile collector')
            [CompletionResult]::new('--stack', '--stack', [CompletionResultType]::ParameterName, 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)')
            [CompletionResult]::new('--cloud', '--cloud', [CompletionResultType]::ParameterName, 'The Microsoft cloud')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Graph''s v1.0 root, to use a proxy or an emulator (plain http only for loopback)')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'The sign-in authority host (plain http only for loopback)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines look')
            [CompletionResult]::new('--test-connection', '--test-connection', [CompletionResultType]::ParameterName, 'Also run Test Connection with the credentials saved on each app: how a token changed or revoked outside scimform shows')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'scimform;verify' {
            [CompletionResult]::new('--stack', '--stack', [CompletionResultType]::ParameterName, 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)')
            [CompletionResult]::new('--cloud', '--cloud', [CompletionResultType]::ParameterName, 'The Microsoft cloud')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Graph''s v1.0 root, to use a proxy or an emulator (plain http only for loopback)')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'The sign-in authority host (plain http only for loopback)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines look')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'scimform;scim-check' {
            [CompletionResult]::new('--stack', '--stack', [CompletionResultType]::ParameterName, 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Check this SCIM base URL instead of the specs'' (with the `scim` template''s default mappings; `?aadOptscim062020` selects the compliance flag''s dialect)')
            [CompletionResult]::new('--token-env', '--token-env', [CompletionResultType]::ParameterName, 'The environment variable holding --base-url''s bearer token')
            [CompletionResult]::new('--time-limit', '--time-limit', [CompletionResultType]::ParameterName, 'Stop after this many seconds (the cleanup of test objects gets 30 more)')
            [CompletionResult]::new('--pace-ms', '--pace-ms', [CompletionResultType]::ParameterName, 'At least this many milliseconds between two requests to the app')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines look')
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'Also check writes: create, change and delete a test user per dialect and a test group')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'scimform;drift' {
            [CompletionResult]::new('--logs', '--logs', [CompletionResultType]::ParameterName, 'Also show the last N things the provisioning service did per app (who was created, updated, disabled; from the provisioning logs, which need the AuditLog.Read.All permission)')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Only this app (`app.NAME`; repeatable): only it is read and judged')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'Also write the findings to FILE in Prometheus'' text format (per app: drift, health, quarantine, failed objects, last successful cycle), whole or not at all, for node_exporter''s textfile collector')
            [CompletionResult]::new('--stack', '--stack', [CompletionResultType]::ParameterName, 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)')
            [CompletionResult]::new('--cloud', '--cloud', [CompletionResultType]::ParameterName, 'The Microsoft cloud')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Graph''s v1.0 root, to use a proxy or an emulator (plain http only for loopback)')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'The sign-in authority host (plain http only for loopback)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines look')
            [CompletionResult]::new('--test-connection', '--test-connection', [CompletionResultType]::ParameterName, 'Also run Test Connection with the credentials saved on each app: how a token changed or revoked outside scimform shows')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'scimform;schema' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines look')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'scimform;doctor' {
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'What the identity is for: `plan` (pull requests: read permissions only), `drift` (the nightly job: reads, with provisioning logs and Test Connection optional), or `apply` (changes; also ownership under Application.ReadWrite.OwnedBy)')
            [CompletionResult]::new('--stack', '--stack', [CompletionResultType]::ParameterName, 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)')
            [CompletionResult]::new('--cloud', '--cloud', [CompletionResultType]::ParameterName, 'The Microsoft cloud')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Graph''s v1.0 root, to use a proxy or an emulator (plain http only for loopback)')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'The sign-in authority host (plain http only for loopback)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines look')
            [CompletionResult]::new('--emulator', '--emulator', [CompletionResultType]::ParameterName, 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'scimform;completions' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines look')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'scimform;emulator' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on; port 0 picks a free port')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Tenant file to start from (JSON; see examples/demo-tenant.json). Default: the built-in demo tenant')
            [CompletionResult]::new('--state-file', '--state-file', [CompletionResultType]::ParameterName, 'Keep the tenant in this file across runs')
            [CompletionResult]::new('--cycle-interval', '--cycle-interval', [CompletionResultType]::ParameterName, 'Seconds between provisioning cycles of a running job (Graph''s are 40 minutes)')
            [CompletionResult]::new('--scim-target', '--scim-target', [CompletionResultType]::ParameterName, 'Send the SCIM requests for a job''s base URL to another SCIM server instead of the built-in one: `BASE_URL=TARGET_URL` (for example `https://contoso.goskope.com/api/v2/scim=http://127.0.0.1:8080`). Repeatable')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines look')
            [CompletionResult]::new('--probe-scim', '--probe-scim', [CompletionResultType]::ParameterName, 'Make Test Connection really call the SCIM endpoint with the bearer token')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never colour the output (also: the NO_COLOR environment variable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only problems: no summary, no warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'scimform;help' {
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Parse and check specs offline, reporting every problem with file:line:col')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Read the live state, compare it with the specs, and print the plan')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Plan and execute the changes, in order; or execute a saved plan (--plan FILE)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Render a saved plan (from `plan --out`)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Adopt existing apps: list the tenant''s enterprise applications, or write a spec that reproduces one (with `adopt`, so that its first plan takes it over)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'How provisioning is doing for the specs'' apps: the job''s state, quarantine, last cycles, steady state, deletion holds. Read-only')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Provision the users and groups each spec lists under `provisioning.verify` on demand, and report what the provisioning service did with each: created, updated, already up to date, skipped (and why) or failed (with the SCIM app''s error). Apply does the same after its changes. Graph allows 5 of these calls per 10 seconds; they are paced')
            [CompletionResult]::new('scim-check', 'scim-check', [CompletionResultType]::ParameterValue, 'Will Entra''s provisioning work with this SCIM app? Sends the app the requests Entra''s provisioning service sends (the credential probe, discovery, matching queries; with --write a test user''s and group''s whole life), in Entra''s default dialect and with the SCIM 2.0 compliance flag, and reports each operation: passed, or the request and the app''s answer. Checks the specs'' mapped attributes against the app''s /Schemas. For each spec with provisioning, or for --base-url')
            [CompletionResult]::new('drift', 'drift', [CompletionResultType]::ParameterValue, 'The scheduled job''s one command: the plan''s changes (config drift) and the health of provisioning, together. Read-only')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print the JSON Schema of the spec language (draft 2020-12), or of an output')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check that the signed-in application can do what the specs need: its permissions (from the access token), and, under Application.ReadWrite.OwnedBy, that it owns the apps it must change. Prints what is missing with the command that grants it')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (`scimform completions bash > …`)')
            [CompletionResult]::new('emulator', 'emulator', [CompletionResultType]::ParameterValue, 'Run the local Microsoft Graph emulator as a server (for trying specs without a tenant, and for tests). Prints the URLs it serves; stops on Ctrl-C')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'scimform;help;validate' {
            break
        }
        'scimform;help;plan' {
            break
        }
        'scimform;help;apply' {
            break
        }
        'scimform;help;show' {
            break
        }
        'scimform;help;import' {
            break
        }
        'scimform;help;status' {
            break
        }
        'scimform;help;verify' {
            break
        }
        'scimform;help;scim-check' {
            break
        }
        'scimform;help;drift' {
            break
        }
        'scimform;help;schema' {
            break
        }
        'scimform;help;doctor' {
            break
        }
        'scimform;help;completions' {
            break
        }
        'scimform;help;emulator' {
            break
        }
        'scimform;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
