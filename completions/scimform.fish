# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_scimform_global_optspecs
    string join \n format= no-color q/quiet v/verbose log-format= h/help V/version
end

function __fish_scimform_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_scimform_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_scimform_using_subcommand
    set -l cmd (__fish_scimform_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c scimform -n "__fish_scimform_needs_command" -l format -d 'Output format' -r -f -a "human\t'For people: source snippets, colour on a terminal'
json\t'For programs: one JSON document, versioned'
github\t'GitHub Actions workflow commands (annotations on the pull request)'
markdown\t'Markdown, for a pull-request comment (plans)'"
complete -c scimform -n "__fish_scimform_needs_command" -l log-format -d 'How log lines look' -r -f -a "text\t'One line of text per event'
json\t'One JSON object per event'"
complete -c scimform -n "__fish_scimform_needs_command" -l no-color -d 'Never colour the output (also: the NO_COLOR environment variable)'
complete -c scimform -n "__fish_scimform_needs_command" -s q -l quiet -d 'Print only problems: no summary, no warnings'
complete -c scimform -n "__fish_scimform_needs_command" -s v -l verbose -d 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
complete -c scimform -n "__fish_scimform_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c scimform -n "__fish_scimform_needs_command" -s V -l version -d 'Print version'
complete -c scimform -n "__fish_scimform_needs_command" -f -a "validate" -d 'Parse and check specs offline, reporting every problem with file:line:col'
complete -c scimform -n "__fish_scimform_needs_command" -f -a "plan" -d 'Read the live state, compare it with the specs, and print the plan'
complete -c scimform -n "__fish_scimform_needs_command" -f -a "apply" -d 'Plan and execute the changes, in order; or execute a saved plan (--plan FILE)'
complete -c scimform -n "__fish_scimform_needs_command" -f -a "show" -d 'Render a saved plan (from `plan --out`)'
complete -c scimform -n "__fish_scimform_needs_command" -f -a "import" -d 'Adopt existing apps: list the tenant\'s enterprise applications, or write a spec that reproduces one (with `adopt`, so that its first plan takes it over)'
complete -c scimform -n "__fish_scimform_needs_command" -f -a "status" -d 'How provisioning is doing for the specs\' apps: the job\'s state, quarantine, last cycles, steady state, deletion holds. Read-only'
complete -c scimform -n "__fish_scimform_needs_command" -f -a "verify" -d 'Provision the users and groups each spec lists under `provisioning.verify` on demand, and report what the provisioning service did with each: created, updated, already up to date, skipped (and why) or failed (with the SCIM app\'s error). Apply does the same after its changes. Graph allows 5 of these calls per 10 seconds; they are paced'
complete -c scimform -n "__fish_scimform_needs_command" -f -a "scim-check" -d 'Will Entra\'s provisioning work with this SCIM app? Sends the app the requests Entra\'s provisioning service sends (the credential probe, discovery, matching queries; with --write a test user\'s and group\'s whole life), in Entra\'s default dialect and with the SCIM 2.0 compliance flag, and reports each operation: passed, or the request and the app\'s answer. Checks the specs\' mapped attributes against the app\'s /Schemas. For each spec with provisioning, or for --base-url'
complete -c scimform -n "__fish_scimform_needs_command" -f -a "drift" -d 'The scheduled job\'s one command: the plan\'s changes (config drift) and the health of provisioning, together. Read-only'
complete -c scimform -n "__fish_scimform_needs_command" -f -a "schema" -d 'Print the JSON Schema of the spec language (draft 2020-12), or of an output'
complete -c scimform -n "__fish_scimform_needs_command" -f -a "doctor" -d 'Check that the signed-in application can do what the specs need: its permissions (from the access token), and, under Application.ReadWrite.OwnedBy, that it owns the apps it must change. Prints what is missing with the command that grants it'
complete -c scimform -n "__fish_scimform_needs_command" -f -a "completions" -d 'Print a shell completion script (`scimform completions bash > …`)'
complete -c scimform -n "__fish_scimform_needs_command" -f -a "emulator" -d 'Run the local Microsoft Graph emulator as a server (for trying specs without a tenant, and for tests). Prints the URLs it serves; stops on Ctrl-C'
complete -c scimform -n "__fish_scimform_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c scimform -n "__fish_scimform_using_subcommand validate" -l format -d 'Output format' -r -f -a "human\t'For people: source snippets, colour on a terminal'
json\t'For programs: one JSON document, versioned'
github\t'GitHub Actions workflow commands (annotations on the pull request)'
markdown\t'Markdown, for a pull-request comment (plans)'"
complete -c scimform -n "__fish_scimform_using_subcommand validate" -l log-format -d 'How log lines look' -r -f -a "text\t'One line of text per event'
json\t'One JSON object per event'"
complete -c scimform -n "__fish_scimform_using_subcommand validate" -l no-color -d 'Never colour the output (also: the NO_COLOR environment variable)'
complete -c scimform -n "__fish_scimform_using_subcommand validate" -s q -l quiet -d 'Print only problems: no summary, no warnings'
complete -c scimform -n "__fish_scimform_using_subcommand validate" -s v -l verbose -d 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
complete -c scimform -n "__fish_scimform_using_subcommand validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c scimform -n "__fish_scimform_using_subcommand validate" -s V -l version -d 'Print version'
complete -c scimform -n "__fish_scimform_using_subcommand plan" -l out -d 'Save the plan to this file (no secret values), for `apply --plan` and `show`' -r -F
complete -c scimform -n "__fish_scimform_using_subcommand plan" -l target -d 'Only this app (`app.NAME`; repeatable), as Terraform\'s `-target`: only it is read and planned, other apps of the stack are not orphans, and the plan says it is partial. With `--prune`, a targeted app whose spec is gone is deleted' -r
complete -c scimform -n "__fish_scimform_using_subcommand plan" -l replace -d 'Redo a part although nothing seems to differ, as Terraform\'s `-replace`: `app.NAME.provisioning.token` saves the token again (for a token changed outside scimform, which its fingerprint cannot see); `app.NAME.provisioning.job` recreates the provisioning job. Repeatable' -r
complete -c scimform -n "__fish_scimform_using_subcommand plan" -l allow-deletes -d 'Carry out the deletions the accidental-deletion guard holds for app NAME (`app.NAME`): the portal\'s "Allow deletes". Review them in the provisioning logs first. Repeatable' -r
complete -c scimform -n "__fish_scimform_using_subcommand plan" -l stack -d 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)' -r
complete -c scimform -n "__fish_scimform_using_subcommand plan" -l cloud -d 'The Microsoft cloud' -r -f -a "global\t'The global cloud'
us-gov\t'Azure US Government'
china\t'Azure China (21Vianet)'"
complete -c scimform -n "__fish_scimform_using_subcommand plan" -l graph-url -d 'Graph\'s v1.0 root, to use a proxy or an emulator (plain http only for loopback)' -r
complete -c scimform -n "__fish_scimform_using_subcommand plan" -l authority-url -d 'The sign-in authority host (plain http only for loopback)' -r
complete -c scimform -n "__fish_scimform_using_subcommand plan" -l concurrency -d 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them' -r
complete -c scimform -n "__fish_scimform_using_subcommand plan" -l timeout -d 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)' -r
complete -c scimform -n "__fish_scimform_using_subcommand plan" -l format -d 'Output format' -r -f -a "human\t'For people: source snippets, colour on a terminal'
json\t'For programs: one JSON document, versioned'
github\t'GitHub Actions workflow commands (annotations on the pull request)'
markdown\t'Markdown, for a pull-request comment (plans)'"
complete -c scimform -n "__fish_scimform_using_subcommand plan" -l log-format -d 'How log lines look' -r -f -a "text\t'One line of text per event'
json\t'One JSON object per event'"
complete -c scimform -n "__fish_scimform_using_subcommand plan" -l detailed-exitcode -d 'Exit 2 when there are changes (0 when none, 1 on errors)'
complete -c scimform -n "__fish_scimform_using_subcommand plan" -l prune -d 'Plan the deletion of managed apps of this stack whose spec is gone'
complete -c scimform -n "__fish_scimform_using_subcommand plan" -l require-tokens -d 'Refuse SCIM tokens absent here (by default a plan without them is exact about everything else and says which tokens it did not check; apply always needs them)'
complete -c scimform -n "__fish_scimform_using_subcommand plan" -l destroy -d 'Retire the stack: delete every managed app of it (with `--target`, those named), with its job and assignments, whatever the specs say. Apply asks for the stack\'s name on a terminal, and `--max-deletes` still bounds it'
complete -c scimform -n "__fish_scimform_using_subcommand plan" -l emulator -d 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json'
complete -c scimform -n "__fish_scimform_using_subcommand plan" -l no-color -d 'Never colour the output (also: the NO_COLOR environment variable)'
complete -c scimform -n "__fish_scimform_using_subcommand plan" -s q -l quiet -d 'Print only problems: no summary, no warnings'
complete -c scimform -n "__fish_scimform_using_subcommand plan" -s v -l verbose -d 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
complete -c scimform -n "__fish_scimform_using_subcommand plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c scimform -n "__fish_scimform_using_subcommand plan" -s V -l version -d 'Print version'
complete -c scimform -n "__fish_scimform_using_subcommand apply" -l plan -d 'Execute this saved plan instead of planning anew' -r -F
complete -c scimform -n "__fish_scimform_using_subcommand apply" -l target -d 'Only this app (`app.NAME`; repeatable), as Terraform\'s `-target`: only it is read and planned, other apps of the stack are not orphans, and the plan says it is partial. With `--prune`, a targeted app whose spec is gone is deleted' -r
complete -c scimform -n "__fish_scimform_using_subcommand apply" -l replace -d 'Redo a part although nothing seems to differ, as Terraform\'s `-replace`: `app.NAME.provisioning.token` saves the token again (for a token changed outside scimform, which its fingerprint cannot see); `app.NAME.provisioning.job` recreates the provisioning job. Repeatable' -r
complete -c scimform -n "__fish_scimform_using_subcommand apply" -l allow-deletes -d 'Carry out the deletions the accidental-deletion guard holds for app NAME (`app.NAME`): the portal\'s "Allow deletes". Review them in the provisioning logs first. Repeatable' -r
complete -c scimform -n "__fish_scimform_using_subcommand apply" -l stack -d 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)' -r
complete -c scimform -n "__fish_scimform_using_subcommand apply" -l max-deletes -d 'Stop before the first change if the plan removes more than this many things' -r
complete -c scimform -n "__fish_scimform_using_subcommand apply" -l settle-ms -d 'How long, in milliseconds, to look for what a concurrent apply (or a create whose answer was lost) made before concluding it is not there; raise it for tenants with slow replication. Default: 2000, or 200 with the embedded emulator (no replication lag there)' -r
complete -c scimform -n "__fish_scimform_using_subcommand apply" -l write-rate -d 'Writes per second that runs of assignments are paced to (sent 20 to a `$batch`). Default: 20, Graph\'s write quota per app and tenant (3,000 per 150 s); lower it when other tools write with the same app registration' -r
complete -c scimform -n "__fish_scimform_using_subcommand apply" -l cloud -d 'The Microsoft cloud' -r -f -a "global\t'The global cloud'
us-gov\t'Azure US Government'
china\t'Azure China (21Vianet)'"
complete -c scimform -n "__fish_scimform_using_subcommand apply" -l graph-url -d 'Graph\'s v1.0 root, to use a proxy or an emulator (plain http only for loopback)' -r
complete -c scimform -n "__fish_scimform_using_subcommand apply" -l authority-url -d 'The sign-in authority host (plain http only for loopback)' -r
complete -c scimform -n "__fish_scimform_using_subcommand apply" -l concurrency -d 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them' -r
complete -c scimform -n "__fish_scimform_using_subcommand apply" -l timeout -d 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)' -r
complete -c scimform -n "__fish_scimform_using_subcommand apply" -l format -d 'Output format' -r -f -a "human\t'For people: source snippets, colour on a terminal'
json\t'For programs: one JSON document, versioned'
github\t'GitHub Actions workflow commands (annotations on the pull request)'
markdown\t'Markdown, for a pull-request comment (plans)'"
complete -c scimform -n "__fish_scimform_using_subcommand apply" -l log-format -d 'How log lines look' -r -f -a "text\t'One line of text per event'
json\t'One JSON object per event'"
complete -c scimform -n "__fish_scimform_using_subcommand apply" -l auto-approve -d 'Do not ask for confirmation'
complete -c scimform -n "__fish_scimform_using_subcommand apply" -l prune -d 'Delete managed apps of this stack whose spec is gone'
complete -c scimform -n "__fish_scimform_using_subcommand apply" -l destroy -d 'Retire the stack: delete every managed app of it (with `--target`, those named), with its job and assignments, whatever the specs say. Apply asks for the stack\'s name on a terminal, and `--max-deletes` still bounds it'
complete -c scimform -n "__fish_scimform_using_subcommand apply" -l emulator -d 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json'
complete -c scimform -n "__fish_scimform_using_subcommand apply" -l no-color -d 'Never colour the output (also: the NO_COLOR environment variable)'
complete -c scimform -n "__fish_scimform_using_subcommand apply" -s q -l quiet -d 'Print only problems: no summary, no warnings'
complete -c scimform -n "__fish_scimform_using_subcommand apply" -s v -l verbose -d 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
complete -c scimform -n "__fish_scimform_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c scimform -n "__fish_scimform_using_subcommand apply" -s V -l version -d 'Print version'
complete -c scimform -n "__fish_scimform_using_subcommand show" -l format -d 'Output format' -r -f -a "human\t'For people: source snippets, colour on a terminal'
json\t'For programs: one JSON document, versioned'
github\t'GitHub Actions workflow commands (annotations on the pull request)'
markdown\t'Markdown, for a pull-request comment (plans)'"
complete -c scimform -n "__fish_scimform_using_subcommand show" -l log-format -d 'How log lines look' -r -f -a "text\t'One line of text per event'
json\t'One JSON object per event'"
complete -c scimform -n "__fish_scimform_using_subcommand show" -l no-color -d 'Never colour the output (also: the NO_COLOR environment variable)'
complete -c scimform -n "__fish_scimform_using_subcommand show" -s q -l quiet -d 'Print only problems: no summary, no warnings'
complete -c scimform -n "__fish_scimform_using_subcommand show" -s v -l verbose -d 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
complete -c scimform -n "__fish_scimform_using_subcommand show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c scimform -n "__fish_scimform_using_subcommand show" -s V -l version -d 'Print version'
complete -c scimform -n "__fish_scimform_using_subcommand import" -l name -d 'The app name in the spec (default: made from the display name)' -r
complete -c scimform -n "__fish_scimform_using_subcommand import" -l out -d 'Where to write: a directory (one NAME.yaml per app, never overwriting a file) or `-` for standard output (the default for one app)' -r -F
complete -c scimform -n "__fish_scimform_using_subcommand import" -l cloud -d 'The Microsoft cloud' -r -f -a "global\t'The global cloud'
us-gov\t'Azure US Government'
china\t'Azure China (21Vianet)'"
complete -c scimform -n "__fish_scimform_using_subcommand import" -l graph-url -d 'Graph\'s v1.0 root, to use a proxy or an emulator (plain http only for loopback)' -r
complete -c scimform -n "__fish_scimform_using_subcommand import" -l authority-url -d 'The sign-in authority host (plain http only for loopback)' -r
complete -c scimform -n "__fish_scimform_using_subcommand import" -l concurrency -d 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them' -r
complete -c scimform -n "__fish_scimform_using_subcommand import" -l timeout -d 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)' -r
complete -c scimform -n "__fish_scimform_using_subcommand import" -l format -d 'Output format' -r -f -a "human\t'For people: source snippets, colour on a terminal'
json\t'For programs: one JSON document, versioned'
github\t'GitHub Actions workflow commands (annotations on the pull request)'
markdown\t'Markdown, for a pull-request comment (plans)'"
complete -c scimform -n "__fish_scimform_using_subcommand import" -l log-format -d 'How log lines look' -r -f -a "text\t'One line of text per event'
json\t'One JSON object per event'"
complete -c scimform -n "__fish_scimform_using_subcommand import" -l list -d 'List the tenant\'s enterprise applications instead'
complete -c scimform -n "__fish_scimform_using_subcommand import" -l all-unmanaged -d 'Write a spec for every enterprise application scimform does not manage (needs --out)'
complete -c scimform -n "__fish_scimform_using_subcommand import" -l emulator -d 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json'
complete -c scimform -n "__fish_scimform_using_subcommand import" -l no-color -d 'Never colour the output (also: the NO_COLOR environment variable)'
complete -c scimform -n "__fish_scimform_using_subcommand import" -s q -l quiet -d 'Print only problems: no summary, no warnings'
complete -c scimform -n "__fish_scimform_using_subcommand import" -s v -l verbose -d 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
complete -c scimform -n "__fish_scimform_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c scimform -n "__fish_scimform_using_subcommand import" -s V -l version -d 'Print version'
complete -c scimform -n "__fish_scimform_using_subcommand status" -l logs -d 'Also show the last N things the provisioning service did per app (who was created, updated, disabled; from the provisioning logs, which need the AuditLog.Read.All permission)' -r
complete -c scimform -n "__fish_scimform_using_subcommand status" -l target -d 'Only this app (`app.NAME`; repeatable): only it is read and judged' -r
complete -c scimform -n "__fish_scimform_using_subcommand status" -l metrics-file -d 'Also write the findings to FILE in Prometheus\' text format (per app: drift, health, quarantine, failed objects, last successful cycle), whole or not at all, for node_exporter\'s textfile collector' -r -F
complete -c scimform -n "__fish_scimform_using_subcommand status" -l stack -d 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)' -r
complete -c scimform -n "__fish_scimform_using_subcommand status" -l cloud -d 'The Microsoft cloud' -r -f -a "global\t'The global cloud'
us-gov\t'Azure US Government'
china\t'Azure China (21Vianet)'"
complete -c scimform -n "__fish_scimform_using_subcommand status" -l graph-url -d 'Graph\'s v1.0 root, to use a proxy or an emulator (plain http only for loopback)' -r
complete -c scimform -n "__fish_scimform_using_subcommand status" -l authority-url -d 'The sign-in authority host (plain http only for loopback)' -r
complete -c scimform -n "__fish_scimform_using_subcommand status" -l concurrency -d 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them' -r
complete -c scimform -n "__fish_scimform_using_subcommand status" -l timeout -d 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)' -r
complete -c scimform -n "__fish_scimform_using_subcommand status" -l format -d 'Output format' -r -f -a "human\t'For people: source snippets, colour on a terminal'
json\t'For programs: one JSON document, versioned'
github\t'GitHub Actions workflow commands (annotations on the pull request)'
markdown\t'Markdown, for a pull-request comment (plans)'"
complete -c scimform -n "__fish_scimform_using_subcommand status" -l log-format -d 'How log lines look' -r -f -a "text\t'One line of text per event'
json\t'One JSON object per event'"
complete -c scimform -n "__fish_scimform_using_subcommand status" -l test-connection -d 'Also run Test Connection with the credentials saved on each app: how a token changed or revoked outside scimform shows'
complete -c scimform -n "__fish_scimform_using_subcommand status" -l emulator -d 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json'
complete -c scimform -n "__fish_scimform_using_subcommand status" -l no-color -d 'Never colour the output (also: the NO_COLOR environment variable)'
complete -c scimform -n "__fish_scimform_using_subcommand status" -s q -l quiet -d 'Print only problems: no summary, no warnings'
complete -c scimform -n "__fish_scimform_using_subcommand status" -s v -l verbose -d 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
complete -c scimform -n "__fish_scimform_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c scimform -n "__fish_scimform_using_subcommand status" -s V -l version -d 'Print version'
complete -c scimform -n "__fish_scimform_using_subcommand verify" -l stack -d 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)' -r
complete -c scimform -n "__fish_scimform_using_subcommand verify" -l cloud -d 'The Microsoft cloud' -r -f -a "global\t'The global cloud'
us-gov\t'Azure US Government'
china\t'Azure China (21Vianet)'"
complete -c scimform -n "__fish_scimform_using_subcommand verify" -l graph-url -d 'Graph\'s v1.0 root, to use a proxy or an emulator (plain http only for loopback)' -r
complete -c scimform -n "__fish_scimform_using_subcommand verify" -l authority-url -d 'The sign-in authority host (plain http only for loopback)' -r
complete -c scimform -n "__fish_scimform_using_subcommand verify" -l concurrency -d 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them' -r
complete -c scimform -n "__fish_scimform_using_subcommand verify" -l timeout -d 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)' -r
complete -c scimform -n "__fish_scimform_using_subcommand verify" -l format -d 'Output format' -r -f -a "human\t'For people: source snippets, colour on a terminal'
json\t'For programs: one JSON document, versioned'
github\t'GitHub Actions workflow commands (annotations on the pull request)'
markdown\t'Markdown, for a pull-request comment (plans)'"
complete -c scimform -n "__fish_scimform_using_subcommand verify" -l log-format -d 'How log lines look' -r -f -a "text\t'One line of text per event'
json\t'One JSON object per event'"
complete -c scimform -n "__fish_scimform_using_subcommand verify" -l emulator -d 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json'
complete -c scimform -n "__fish_scimform_using_subcommand verify" -l no-color -d 'Never colour the output (also: the NO_COLOR environment variable)'
complete -c scimform -n "__fish_scimform_using_subcommand verify" -s q -l quiet -d 'Print only problems: no summary, no warnings'
complete -c scimform -n "__fish_scimform_using_subcommand verify" -s v -l verbose -d 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
complete -c scimform -n "__fish_scimform_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c scimform -n "__fish_scimform_using_subcommand verify" -s V -l version -d 'Print version'
complete -c scimform -n "__fish_scimform_using_subcommand scim-check" -l stack -d 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)' -r
complete -c scimform -n "__fish_scimform_using_subcommand scim-check" -l base-url -d 'Check this SCIM base URL instead of the specs\' (with the `scim` template\'s default mappings; `?aadOptscim062020` selects the compliance flag\'s dialect)' -r
complete -c scimform -n "__fish_scimform_using_subcommand scim-check" -l token-env -d 'The environment variable holding --base-url\'s bearer token' -r
complete -c scimform -n "__fish_scimform_using_subcommand scim-check" -l time-limit -d 'Stop after this many seconds (the cleanup of test objects gets 30 more)' -r
complete -c scimform -n "__fish_scimform_using_subcommand scim-check" -l pace-ms -d 'At least this many milliseconds between two requests to the app' -r
complete -c scimform -n "__fish_scimform_using_subcommand scim-check" -l format -d 'Output format' -r -f -a "human\t'For people: source snippets, colour on a terminal'
json\t'For programs: one JSON document, versioned'
github\t'GitHub Actions workflow commands (annotations on the pull request)'
markdown\t'Markdown, for a pull-request comment (plans)'"
complete -c scimform -n "__fish_scimform_using_subcommand scim-check" -l log-format -d 'How log lines look' -r -f -a "text\t'One line of text per event'
json\t'One JSON object per event'"
complete -c scimform -n "__fish_scimform_using_subcommand scim-check" -l write -d 'Also check writes: create, change and delete a test user per dialect and a test group'
complete -c scimform -n "__fish_scimform_using_subcommand scim-check" -l no-color -d 'Never colour the output (also: the NO_COLOR environment variable)'
complete -c scimform -n "__fish_scimform_using_subcommand scim-check" -s q -l quiet -d 'Print only problems: no summary, no warnings'
complete -c scimform -n "__fish_scimform_using_subcommand scim-check" -s v -l verbose -d 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
complete -c scimform -n "__fish_scimform_using_subcommand scim-check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c scimform -n "__fish_scimform_using_subcommand scim-check" -s V -l version -d 'Print version'
complete -c scimform -n "__fish_scimform_using_subcommand drift" -l logs -d 'Also show the last N things the provisioning service did per app (who was created, updated, disabled; from the provisioning logs, which need the AuditLog.Read.All permission)' -r
complete -c scimform -n "__fish_scimform_using_subcommand drift" -l target -d 'Only this app (`app.NAME`; repeatable): only it is read and judged' -r
complete -c scimform -n "__fish_scimform_using_subcommand drift" -l metrics-file -d 'Also write the findings to FILE in Prometheus\' text format (per app: drift, health, quarantine, failed objects, last successful cycle), whole or not at all, for node_exporter\'s textfile collector' -r -F
complete -c scimform -n "__fish_scimform_using_subcommand drift" -l stack -d 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)' -r
complete -c scimform -n "__fish_scimform_using_subcommand drift" -l cloud -d 'The Microsoft cloud' -r -f -a "global\t'The global cloud'
us-gov\t'Azure US Government'
china\t'Azure China (21Vianet)'"
complete -c scimform -n "__fish_scimform_using_subcommand drift" -l graph-url -d 'Graph\'s v1.0 root, to use a proxy or an emulator (plain http only for loopback)' -r
complete -c scimform -n "__fish_scimform_using_subcommand drift" -l authority-url -d 'The sign-in authority host (plain http only for loopback)' -r
complete -c scimform -n "__fish_scimform_using_subcommand drift" -l concurrency -d 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them' -r
complete -c scimform -n "__fish_scimform_using_subcommand drift" -l timeout -d 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)' -r
complete -c scimform -n "__fish_scimform_using_subcommand drift" -l format -d 'Output format' -r -f -a "human\t'For people: source snippets, colour on a terminal'
json\t'For programs: one JSON document, versioned'
github\t'GitHub Actions workflow commands (annotations on the pull request)'
markdown\t'Markdown, for a pull-request comment (plans)'"
complete -c scimform -n "__fish_scimform_using_subcommand drift" -l log-format -d 'How log lines look' -r -f -a "text\t'One line of text per event'
json\t'One JSON object per event'"
complete -c scimform -n "__fish_scimform_using_subcommand drift" -l test-connection -d 'Also run Test Connection with the credentials saved on each app: how a token changed or revoked outside scimform shows'
complete -c scimform -n "__fish_scimform_using_subcommand drift" -l emulator -d 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json'
complete -c scimform -n "__fish_scimform_using_subcommand drift" -l no-color -d 'Never colour the output (also: the NO_COLOR environment variable)'
complete -c scimform -n "__fish_scimform_using_subcommand drift" -s q -l quiet -d 'Print only problems: no summary, no warnings'
complete -c scimform -n "__fish_scimform_using_subcommand drift" -s v -l verbose -d 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
complete -c scimform -n "__fish_scimform_using_subcommand drift" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c scimform -n "__fish_scimform_using_subcommand drift" -s V -l version -d 'Print version'
complete -c scimform -n "__fish_scimform_using_subcommand schema" -l format -d 'Output format' -r -f -a "human\t'For people: source snippets, colour on a terminal'
json\t'For programs: one JSON document, versioned'
github\t'GitHub Actions workflow commands (annotations on the pull request)'
markdown\t'Markdown, for a pull-request comment (plans)'"
complete -c scimform -n "__fish_scimform_using_subcommand schema" -l log-format -d 'How log lines look' -r -f -a "text\t'One line of text per event'
json\t'One JSON object per event'"
complete -c scimform -n "__fish_scimform_using_subcommand schema" -l no-color -d 'Never colour the output (also: the NO_COLOR environment variable)'
complete -c scimform -n "__fish_scimform_using_subcommand schema" -s q -l quiet -d 'Print only problems: no summary, no warnings'
complete -c scimform -n "__fish_scimform_using_subcommand schema" -s v -l verbose -d 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
complete -c scimform -n "__fish_scimform_using_subcommand schema" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c scimform -n "__fish_scimform_using_subcommand schema" -s V -l version -d 'Print version'
complete -c scimform -n "__fish_scimform_using_subcommand doctor" -l for -d 'What the identity is for: `plan` (pull requests: read permissions only), `drift` (the nightly job: reads, with provisioning logs and Test Connection optional), or `apply` (changes; also ownership under Application.ReadWrite.OwnedBy)' -r -f -a "plan\t'`plan` (and `status`, `import --list`): read permissions only'
drift\t'`drift` (and `status`): reads; provisioning logs and Test Connection optional'
apply\t'`apply`: changes'"
complete -c scimform -n "__fish_scimform_using_subcommand doctor" -l stack -d 'The stack these specs belong to (default: `stack` in the project file scimform.yaml, else `default`)' -r
complete -c scimform -n "__fish_scimform_using_subcommand doctor" -l cloud -d 'The Microsoft cloud' -r -f -a "global\t'The global cloud'
us-gov\t'Azure US Government'
china\t'Azure China (21Vianet)'"
complete -c scimform -n "__fish_scimform_using_subcommand doctor" -l graph-url -d 'Graph\'s v1.0 root, to use a proxy or an emulator (plain http only for loopback)' -r
complete -c scimform -n "__fish_scimform_using_subcommand doctor" -l authority-url -d 'The sign-in authority host (plain http only for loopback)' -r
complete -c scimform -n "__fish_scimform_using_subcommand doctor" -l concurrency -d 'Requests in flight at once. Reads go 20 to a `$batch`, so 20 in flight is 400 reads, and a plan of a few hundred apps needs one or two waves of them' -r
complete -c scimform -n "__fish_scimform_using_subcommand doctor" -l timeout -d 'The longest the command may take talking to Graph, such as `90s`, `15m` or `1h` (default 15m; 60m for apply, which stops between changes as the limit nears)' -r
complete -c scimform -n "__fish_scimform_using_subcommand doctor" -l format -d 'Output format' -r -f -a "human\t'For people: source snippets, colour on a terminal'
json\t'For programs: one JSON document, versioned'
github\t'GitHub Actions workflow commands (annotations on the pull request)'
markdown\t'Markdown, for a pull-request comment (plans)'"
complete -c scimform -n "__fish_scimform_using_subcommand doctor" -l log-format -d 'How log lines look' -r -f -a "text\t'One line of text per event'
json\t'One JSON object per event'"
complete -c scimform -n "__fish_scimform_using_subcommand doctor" -l emulator -d 'Use the embedded emulator with the demo tenant instead of a real tenant; its state persists in .scimform/emulator-state.json'
complete -c scimform -n "__fish_scimform_using_subcommand doctor" -l no-color -d 'Never colour the output (also: the NO_COLOR environment variable)'
complete -c scimform -n "__fish_scimform_using_subcommand doctor" -s q -l quiet -d 'Print only problems: no summary, no warnings'
complete -c scimform -n "__fish_scimform_using_subcommand doctor" -s v -l verbose -d 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
complete -c scimform -n "__fish_scimform_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c scimform -n "__fish_scimform_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c scimform -n "__fish_scimform_using_subcommand completions" -l format -d 'Output format' -r -f -a "human\t'For people: source snippets, colour on a terminal'
json\t'For programs: one JSON document, versioned'
github\t'GitHub Actions workflow commands (annotations on the pull request)'
markdown\t'Markdown, for a pull-request comment (plans)'"
complete -c scimform -n "__fish_scimform_using_subcommand completions" -l log-format -d 'How log lines look' -r -f -a "text\t'One line of text per event'
json\t'One JSON object per event'"
complete -c scimform -n "__fish_scimform_using_subcommand completions" -l no-color -d 'Never colour the output (also: the NO_COLOR environment variable)'
complete -c scimform -n "__fish_scimform_using_subcommand completions" -s q -l quiet -d 'Print only problems: no summary, no warnings'
complete -c scimform -n "__fish_scimform_using_subcommand completions" -s v -l verbose -d 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
complete -c scimform -n "__fish_scimform_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c scimform -n "__fish_scimform_using_subcommand completions" -s V -l version -d 'Print version'
complete -c scimform -n "__fish_scimform_using_subcommand emulator" -l listen -d 'Address to listen on; port 0 picks a free port' -r
complete -c scimform -n "__fish_scimform_using_subcommand emulator" -l seed -d 'Tenant file to start from (JSON; see examples/demo-tenant.json). Default: the built-in demo tenant' -r -F
complete -c scimform -n "__fish_scimform_using_subcommand emulator" -l state-file -d 'Keep the tenant in this file across runs' -r -F
complete -c scimform -n "__fish_scimform_using_subcommand emulator" -l cycle-interval -d 'Seconds between provisioning cycles of a running job (Graph\'s are 40 minutes)' -r
complete -c scimform -n "__fish_scimform_using_subcommand emulator" -l scim-target -d 'Send the SCIM requests for a job\'s base URL to another SCIM server instead of the built-in one: `BASE_URL=TARGET_URL` (for example `https://contoso.goskope.com/api/v2/scim=http://127.0.0.1:8080`). Repeatable' -r
complete -c scimform -n "__fish_scimform_using_subcommand emulator" -l format -d 'Output format' -r -f -a "human\t'For people: source snippets, colour on a terminal'
json\t'For programs: one JSON document, versioned'
github\t'GitHub Actions workflow commands (annotations on the pull request)'
markdown\t'Markdown, for a pull-request comment (plans)'"
complete -c scimform -n "__fish_scimform_using_subcommand emulator" -l log-format -d 'How log lines look' -r -f -a "text\t'One line of text per event'
json\t'One JSON object per event'"
complete -c scimform -n "__fish_scimform_using_subcommand emulator" -l probe-scim -d 'Make Test Connection really call the SCIM endpoint with the bearer token'
complete -c scimform -n "__fish_scimform_using_subcommand emulator" -l no-color -d 'Never colour the output (also: the NO_COLOR environment variable)'
complete -c scimform -n "__fish_scimform_using_subcommand emulator" -s q -l quiet -d 'Print only problems: no summary, no warnings'
complete -c scimform -n "__fish_scimform_using_subcommand emulator" -s v -l verbose -d 'Log to standard error: `-v` each Graph call (method, route, status, duration, request id), `-vv` everything scimform does. RUST_LOG overrides. Never a secret'
complete -c scimform -n "__fish_scimform_using_subcommand emulator" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c scimform -n "__fish_scimform_using_subcommand emulator" -s V -l version -d 'Print version'
complete -c scimform -n "__fish_scimform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply show import status verify scim-check drift schema doctor completions emulator help" -f -a "validate" -d 'Parse and check specs offline, reporting every problem with file:line:col'
complete -c scimform -n "__fish_scimform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply show import status verify scim-check drift schema doctor completions emulator help" -f -a "plan" -d 'Read the live state, compare it with the specs, and print the plan'
complete -c scimform -n "__fish_scimform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply show import status verify scim-check drift schema doctor completions emulator help" -f -a "apply" -d 'Plan and execute the changes, in order; or execute a saved plan (--plan FILE)'
complete -c scimform -n "__fish_scimform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply show import status verify scim-check drift schema doctor completions emulator help" -f -a "show" -d 'Render a saved plan (from `plan --out`)'
complete -c scimform -n "__fish_scimform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply show import status verify scim-check drift schema doctor completions emulator help" -f -a "import" -d 'Adopt existing apps: list the tenant\'s enterprise applications, or write a spec that reproduces one (with `adopt`, so that its first plan takes it over)'
complete -c scimform -n "__fish_scimform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply show import status verify scim-check drift schema doctor completions emulator help" -f -a "status" -d 'How provisioning is doing for the specs\' apps: the job\'s state, quarantine, last cycles, steady state, deletion holds. Read-only'
complete -c scimform -n "__fish_scimform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply show import status verify scim-check drift schema doctor completions emulator help" -f -a "verify" -d 'Provision the users and groups each spec lists under `provisioning.verify` on demand, and report what the provisioning service did with each: created, updated, already up to date, skipped (and why) or failed (with the SCIM app\'s error). Apply does the same after its changes. Graph allows 5 of these calls per 10 seconds; they are paced'
complete -c scimform -n "__fish_scimform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply show import status verify scim-check drift schema doctor completions emulator help" -f -a "scim-check" -d 'Will Entra\'s provisioning work with this SCIM app? Sends the app the requests Entra\'s provisioning service sends (the credential probe, discovery, matching queries; with --write a test user\'s and group\'s whole life), in Entra\'s default dialect and with the SCIM 2.0 compliance flag, and reports each operation: passed, or the request and the app\'s answer. Checks the specs\' mapped attributes against the app\'s /Schemas. For each spec with provisioning, or for --base-url'
complete -c scimform -n "__fish_scimform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply show import status verify scim-check drift schema doctor completions emulator help" -f -a "drift" -d 'The scheduled job\'s one command: the plan\'s changes (config drift) and the health of provisioning, together. Read-only'
complete -c scimform -n "__fish_scimform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply show import status verify scim-check drift schema doctor completions emulator help" -f -a "schema" -d 'Print the JSON Schema of the spec language (draft 2020-12), or of an output'
complete -c scimform -n "__fish_scimform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply show import status verify scim-check drift schema doctor completions emulator help" -f -a "doctor" -d 'Check that the signed-in application can do what the specs need: its permissions (from the access token), and, under Application.ReadWrite.OwnedBy, that it owns the apps it must change. Prints what is missing with the command that grants it'
complete -c scimform -n "__fish_scimform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply show import status verify scim-check drift schema doctor completions emulator help" -f -a "completions" -d 'Print a shell completion script (`scimform completions bash > …`)'
complete -c scimform -n "__fish_scimform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply show import status verify scim-check drift schema doctor completions emulator help" -f -a "emulator" -d 'Run the local Microsoft Graph emulator as a server (for trying specs without a tenant, and for tests). Prints the URLs it serves; stops on Ctrl-C'
complete -c scimform -n "__fish_scimform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply show import status verify scim-check drift schema doctor completions emulator help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
