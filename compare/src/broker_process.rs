//! The embedded broker in a process of its own, so that each mode's peak memory is the
//! producer's alone: librdkafka's mock cluster keeps every record it receives in memory.

use anyhow::{bail, Context, Result};
use common::broker::EmbeddedBroker;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The child process's side: host the broker until stdin closes.
pub fn serve(topics: &[&str], round_trip: Duration) -> Result<()> {
    let broker = EmbeddedBroker::start(topics, round_trip, None)?;
    println!("{}", broker.bootstrap_servers());
    // The parent closes our stdin when it is done (or dies): then we stop.
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    Ok(())
}

/// The parent's handle on the broker process; dropping it stops the broker.
pub struct BrokerProcess {
    child: Child,
    pub bootstrap_servers: String,
}

impl BrokerProcess {
    pub fn start(round_trip: Duration) -> Result<Self> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg("--serve-broker")
            .arg("--broker-rtt")
            .arg(humantime::format_duration(round_trip).to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("could not start the broker process")?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .context("the broker process did not answer")?;
        if line.trim().is_empty() {
            bail!("the broker process exited before it was ready");
        }
        Ok(Self {
            child,
            bootstrap_servers: line.trim().to_owned(),
        })
    }
}

impl Drop for BrokerProcess {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}
