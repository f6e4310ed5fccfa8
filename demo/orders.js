// The demo shop's order book: what the host page's `lookup_order` tool answers from.

/** @typedef {{orderId: string, status: string, item: string, eta?: string, carrier?: string}} Order */

/** @type {Record<string, Order>} */
const orders = {
  '4217': { orderId: '4217', status: 'shipped', item: 'Alpine 2 tent', carrier: 'Parcel Express', eta: 'Friday' },
  '1001': { orderId: '1001', status: 'processing', item: 'Trail runner shoes', eta: 'next Tuesday' },
  '5550': { orderId: '5550', status: 'delivered', item: 'Down jacket' },
};

/**
 * @param {string} id
 * @returns {Order | undefined}
 */
export function lookupOrder(id) {
  return orders[id.replace(/\D/g, '')];
}
