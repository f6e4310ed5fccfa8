// The host page's own integration code — the part of your site that the example test checks.
// It gives the agent a tool backed by your order API and shows a fallback when the voice
// service is unavailable. (In the demo shop this lives in demo/demo.js.)

/**
 * @typedef {{orderId: string, status: string, item: string, eta?: string}} Order
 */

/**
 * Wires a `<realtime-voice>` element into the help page.
 * @param {import('realtime-voice').RealtimeVoiceElement} agent
 * @param {{fetchOrder: (id: string) => Promise<Order | undefined>, fallback: HTMLElement}} deps
 */
export function setupSupportAgent(agent, { fetchOrder, fallback }) {
  agent.tools = [
    {
      name: 'lookup_order',
      description: 'Look up the status of a customer order by its number.',
      parameters: {
        type: 'object',
        properties: { order_id: { type: 'string', description: 'The order number, digits only' } },
        required: ['order_id'],
      },
      // Whatever the handler returns (or throws) is sent back to the agent as the tool's output.
      handler: async (args) => (await fetchOrder(String(/** @type {{order_id?: unknown}} */ (args).order_id ?? ''))) ?? { error: 'order_not_found' },
    },
  ];
  // Fatal errors end the call: offer the phone line instead.
  agent.addEventListener('rv-error', (event) => {
    if (event.detail.fatal) fallback.hidden = false;
  });
  agent.addEventListener('rv-connected', () => {
    fallback.hidden = true;
  });
}
