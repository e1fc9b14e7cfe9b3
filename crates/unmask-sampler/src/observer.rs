use std::io::Write;

use serde::Serialize;

use crate::Canvas;

/// Watches the loop: called after every step with all canvases of the batch.
pub trait StepObserver {
    /// `step` counts from 0. An error stops generation.
    fn on_step(&mut self, step: usize, canvases: &[Canvas]) -> anyhow::Result<()>;
}

/// Observes nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoObserver;

impl StepObserver for NoObserver {
    fn on_step(&mut self, _step: usize, _canvases: &[Canvas]) -> anyhow::Result<()> {
        Ok(())
    }
}

impl<F: FnMut(usize, &[Canvas]) -> anyhow::Result<()>> StepObserver for F {
    fn on_step(&mut self, step: usize, canvases: &[Canvas]) -> anyhow::Result<()> {
        self(step, canvases)
    }
}

/// Writes one JSON line per step:
/// `{"step":0,"canvases":[{"tokens":[0,50264,...],"masked":[1,...]}]}`
/// (`tokens`: every id of the canvas; `masked`: the positions still masked).
#[derive(Debug)]
pub struct TraceObserver<W: Write> {
    writer: W,
}

#[derive(Serialize)]
struct TraceLine<'a> {
    step: usize,
    canvases: Vec<TraceCanvas<'a>>,
}

#[derive(Serialize)]
struct TraceCanvas<'a> {
    tokens: &'a [u32],
    masked: Vec<usize>,
}

impl<W: Write> TraceObserver<W> {
    pub fn new(writer: W) -> Self {
        Self { writer }
    }

    /// Flushes and returns the writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.writer.flush()?;
        Ok(self.writer)
    }
}

impl<W: Write> StepObserver for TraceObserver<W> {
    fn on_step(&mut self, step: usize, canvases: &[Canvas]) -> anyhow::Result<()> {
        let line = TraceLine {
            step,
            canvases: canvases
                .iter()
                .map(|canvas| TraceCanvas {
                    tokens: canvas.tokens(),
                    masked: canvas.masked_positions(),
                })
                .collect(),
        };
        serde_json::to_writer(&mut self.writer, &line)?;
        self.writer.write_all(b"\n")?;
        Ok(())
    }
}
