// Mounting the widget's React wrapper (a Vite or Next.js client entry would look the same).
import { createRoot } from 'react-dom/client';
import { SupportWidget } from './SupportWidget.js';

const lookupOrder = async (orderId: string) => (await fetch(`/api/orders/${encodeURIComponent(orderId)}`)).json();

createRoot(document.getElementById('root')!).render(<SupportWidget tokenUrl="/realtime/session" lookupOrder={lookupOrder} />);
