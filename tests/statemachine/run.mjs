// Executes a state machine definition locally with aws-local-stepfunctions.
//
// stdin: {"definition": {...}, "scenarios": [{"name", "input", "handlers": {stateName:
//   [outcome, ...]}}]}; an outcome is {"result": value} or {"error": name, "cause": text};
// a Task state's n-th call gets the n-th outcome (the last one repeats). Wait states and
// retry intervals are shortened to 0 ms.
// stdout: one JSON object: {scenarioName: {status, output, error, cause, states, calls}}.

// Node 20 lacks Promise.withResolvers, which aws-local-stepfunctions 3 calls.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

const { StateMachine } = await import('aws-local-stepfunctions');

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function statesOfType(definition, type) {
  return Object.entries(definition.States)
    .filter(([, state]) => state.Type === type)
    .map(([name]) => name);
}

async function runScenario(machine, definition, scenario) {
  const calls = {};
  const taskHandlers = {};
  for (const name of statesOfType(definition, 'Task')) {
    const outcomes = scenario.handlers[name];
    calls[name] = [];
    taskHandlers[name] = async (input) => {
      calls[name].push(input);
      if (!outcomes || outcomes.length === 0) {
        throw Object.assign(new Error(`no local handler for task '${name}'`), {
          name: 'Test.NoHandler',
        });
      }
      const outcome = outcomes[Math.min(calls[name].length, outcomes.length) - 1];
      if (outcome.error) {
        throw Object.assign(new Error(outcome.cause ?? ''), { name: outcome.error });
      }
      return outcome.result;
    };
  }
  const waits = Object.fromEntries(statesOfType(definition, 'Wait').map((n) => [n, 0]));
  const retries = Object.fromEntries(
    Object.entries(definition.States)
      .filter(([, state]) => state.Retry)
      .map(([name]) => [name, 0]),
  );
  const execution = machine.run(scenario.input, {
    overrides: {
      taskResourceLocalHandlers: taskHandlers,
      waitTimeOverrides: waits,
      retryIntervalOverrides: retries,
    },
  });
  const states = [];
  const report = { status: 'RUNNING', states, calls };
  const logs = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') states.push(event.state.name);
      if (event.type === 'ExecutionFailed') {
        report.error = event.Error;
        report.cause = event.Cause;
      }
    }
  })();
  try {
    report.output = await execution.result;
    report.status = 'SUCCEEDED';
  } catch (error) {
    report.status = 'FAILED';
  }
  await logs;
  return report;
}

const request = await readStdin();
const machine = new StateMachine(request.definition, {
  validationOptions: { checkArn: false },
});
const reports = {};
for (const scenario of request.scenarios) {
  reports[scenario.name] = await runScenario(machine, request.definition, scenario);
}
process.stdout.write(JSON.stringify(reports));
