// The host page's side of the integration: a tool answered from the shop's own API, and a
// playground that edits attributes live and logs every rv-* event.
const agent = document.getElementById('agent');

agent.tools = [
  {
    name: 'lookup_order',
    description: 'Look up the status of a customer order by its number.',
    parameters: {
      type: 'object',
      properties: { order_id: { type: 'string', description: 'The order number, digits only' } },
      required: ['order_id'],
    },
    handler: async ({ order_id: id }) => {
      const res = await fetch(`/api/orders/${encodeURIComponent(String(id))}`);
      return res.json();
    },
  },
];

const log = document.getElementById('log');
const events = ['rv-status', 'rv-connected', 'rv-disconnected', 'rv-transcript', 'rv-tool-call', 'rv-interrupted', 'rv-error'];
for (const type of events) {
  agent.addEventListener(type, (event) => {
    const detail = type === 'rv-transcript' && !event.detail.final ? null : event.detail;
    if (!detail) return; // streaming transcript deltas would flood the log
    const li = document.createElement('li');
    li.textContent = `${new Date().toLocaleTimeString()} ${type} ${JSON.stringify(detail)}`;
    log.prepend(li);
    while (log.children.length > 100) log.lastElementChild.remove();
  });
}

const form = document.getElementById('controls');
form.addEventListener('input', (event) => {
  const input = event.target;
  if (input.name === 'accent') {
    agent.style.setProperty('--realtime-voice-accent', input.value);
  } else if (input.type === 'checkbox') {
    agent.toggleAttribute(input.name, input.checked);
  } else if (input.value) {
    agent.setAttribute(input.name, input.value);
  } else {
    agent.removeAttribute(input.name);
  }
});
