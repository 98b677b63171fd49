//! Lanes: a plan's changes split by app, so that the chains of apps the plan creates run
//! at once.
//!
//! A new app's chain is long and mostly waiting: replication, the settle time in which
//! apply looks for a concurrent run's twin app and twin job, Test Connection. Fifty new
//! apps one after another spend minutes asleep. So apply runs, in the plan's order, every
//! change of apps the plan does not create (runs of assignment writes batched across
//! apps), and then the chain of each app it creates as a lane, [`APPS_IN_FLIGHT`] lanes at
//! once. Within a lane the plan's order holds. Apps are independent of one another: the
//! planner never makes a change depend on another app's address; an app whose changes do
//! (or that another app's changes name) is not laned but runs in the sequence.
//!
//! Nothing is decided here: the same changes run, each whole, in an order the plan
//! allows. Events reach the caller in the plan's order too ([`Relay`]): the first
//! unfinished lane's as they happen, a later lane's once every lane before it is done, so
//! that output and logs read the same whatever the interleaving.

use std::collections::BTreeSet;
use std::sync::Mutex;

use scimform_plan::{Change, Step};

/// Chains of new apps run at once. Each lane makes one request at a time and spends most
/// of its time waiting (replication, settle looks), so sixteen lanes keep the client's
/// sixteen connections busy without asking Graph for more than one pipeline's share.
pub(crate) const APPS_IN_FLIGHT: usize = 16;

/// A plan's changes in the order apply runs them.
#[derive(Debug, Default)]
pub(crate) struct Lanes<'p> {
    /// Run first, one after another, in the plan's order.
    pub(crate) sequence: Vec<&'p Change>,
    /// The chains of new apps, each in the plan's order; lanes in the plan's order.
    pub(crate) lanes: Vec<Vec<&'p Change>>,
}

/// The app an address belongs to (`app.NAME`, `app.NAME.provisioning`, …).
pub(crate) fn app_of_address(address: &str) -> Option<&str> {
    address.strip_prefix("app.")?.split(['.', '[']).next().filter(|name| !name.is_empty())
}

/// Splits `changes` into the sequence and the lanes of apps the plan creates.
pub(crate) fn split(changes: &[Change]) -> Lanes<'_> {
    let mut laned: BTreeSet<&str> = changes
        .iter()
        .filter(|change| change.steps.iter().any(|step| matches!(step, Step::Instantiate { .. })))
        .filter_map(|change| app_of_address(&change.address))
        .collect();
    // An app that depends on another, or that another depends on, stays in the sequence.
    for change in changes {
        let own = app_of_address(&change.address);
        for dependency in &change.depends_on {
            let other = app_of_address(dependency);
            if other != own {
                laned.retain(|app| Some(*app) != own && Some(*app) != other);
            }
        }
    }
    let mut lanes = Lanes::default();
    let mut lane_of: Vec<(&str, usize)> = Vec::new();
    for change in changes {
        match app_of_address(&change.address).filter(|app| laned.contains(app)) {
            None => lanes.sequence.push(change),
            Some(app) => match lane_of.iter().find(|(name, _)| *name == app) {
                Some((_, index)) => lanes.lanes[*index].push(change),
                None => {
                    lane_of.push((app, lanes.lanes.len()));
                    lanes.lanes.push(vec![change]);
                }
            },
        }
    }
    lanes
}

/// Passes lanes' events on in the plan's order (see the module header).
pub(crate) struct Relay<'e, Event> {
    state: Mutex<RelayState<'e, Event>>,
}

struct RelayState<'e, Event> {
    sink: &'e mut (dyn FnMut(&Event) + Send),
    /// The first lane not finished: its events pass at once.
    head: usize,
    /// Events of later lanes, held until they are at the head.
    held: Vec<Vec<Event>>,
    finished: Vec<bool>,
}

impl<'e, Event: Clone> Relay<'e, Event> {
    pub(crate) fn new(sink: &'e mut (dyn FnMut(&Event) + Send), lanes: usize) -> Relay<'e, Event> {
        let state = RelayState { sink, head: 0, held: vec![Vec::new(); lanes], finished: vec![false; lanes] };
        Relay { state: Mutex::new(state) }
    }

    /// An event of lane `lane`.
    pub(crate) fn event(&self, lane: usize, event: &Event) {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if lane == state.head {
            (state.sink)(event);
        } else {
            state.held[lane].push(event.clone());
        }
    }

    /// Lane `lane` is done (or was never started): the lanes after it may speak.
    pub(crate) fn finish(&self, lane: usize) {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.finished[lane] = true;
        let state = &mut *state;
        while state.head < state.finished.len() && state.finished[state.head] {
            state.head += 1;
            if let Some(held) = state.held.get_mut(state.head) {
                for event in std::mem::take(held) {
                    (state.sink)(&event);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scimform_plan::Action;

    fn change(address: &str, steps: Vec<Step>, depends_on: &[&str]) -> Change {
        Change {
            address: address.to_owned(),
            action: Action::Create,
            reason: String::new(),
            attributes: Vec::new(),
            depends_on: depends_on.iter().map(|address| (*address).to_owned()).collect(),
            steps,
        }
    }

    fn instantiate(app: &str) -> Step {
        Step::Instantiate { app: app.to_owned(), template_id: "t".to_owned(), display_name: app.to_owned() }
    }

    fn addresses(changes: &[&Change]) -> Vec<String> {
        changes.iter().map(|change| change.address.clone()).collect()
    }

    #[test]
    fn new_apps_get_lanes_and_the_rest_keeps_the_plans_order() {
        let start = |app: &str| Step::StartJob { app: app.to_owned() };
        let changes = vec![
            change("app.old", vec![Step::DeleteApp { app: "old".to_owned() }], &[]),
            change("app.a.stray[\"1\"]", vec![Step::DeleteStray { app_id: "1".to_owned() }], &[]),
            change("app.a", vec![instantiate("a")], &[]),
            change("app.a.provisioning", vec![start("a")], &["app.a"]),
            change("app.b.provisioning", vec![start("b")], &[]),
            change("app.c", vec![instantiate("c")], &[]),
        ];
        let lanes = split(&changes);
        assert_eq!(addresses(&lanes.sequence), ["app.old", "app.b.provisioning"]);
        let lanes: Vec<Vec<String>> = lanes.lanes.iter().map(|lane| addresses(lane)).collect();
        assert_eq!(lanes, [vec!["app.a.stray[\"1\"]", "app.a", "app.a.provisioning"], vec!["app.c"]]);
    }

    #[test]
    fn an_app_that_depends_on_another_is_not_laned() {
        let changes = vec![
            change("app.a", vec![instantiate("a")], &[]),
            change("app.b", vec![instantiate("b")], &["app.a"]),
            change("app.c", vec![instantiate("c")], &[]),
        ];
        let lanes = split(&changes);
        assert_eq!(addresses(&lanes.sequence), ["app.a", "app.b"]);
        assert_eq!(lanes.lanes.len(), 1);
    }

    #[test]
    fn the_relay_keeps_the_plans_order() {
        let mut seen = Vec::new();
        let mut sink = |event: &&str| seen.push((*event).to_owned());
        let relay = Relay::new(&mut sink, 3);
        let say = |lane: usize, event: &'static str| relay.event(lane, &event);
        say(2, "c1");
        say(0, "a1");
        say(1, "b1");
        relay.finish(1);
        say(0, "a2");
        relay.finish(0);
        say(2, "c2");
        relay.finish(2);
        drop(relay);
        assert_eq!(seen, ["a1", "a2", "b1", "c1", "c2"]);
    }
}
