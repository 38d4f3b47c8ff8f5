/**
 * Inline SVG icons as path data (24×24, stroked). Drawn for Cairn; no
 * icon font or external file, so nothing to load and nothing for the CSP
 * to refuse.
 */
const circle = (cx: number, cy: number, r: number) => `M${cx + r} ${cy}a${r} ${r} 0 1 1 ${-2 * r} 0a${r} ${r} 0 1 1 ${2 * r} 0`;

export const ICONS = {
  fleet: ['M3 4h18v6H3z', 'M3 14h18v6H3z', 'M7 7h.01', 'M7 17h.01', 'M11 7h6', 'M11 17h6'],
  topology: [circle(12, 5, 2), circle(5, 19, 2), circle(19, 19, 2), 'M11 6.8 6 17.2', 'M13 6.8l5 10.4', 'M7 19h10'],
  capacity: ['M4 18a8 8 0 1 1 16 0', 'M12 18l4-6', 'M4 18h16'],
  operations: ['M3 12h4l3-8 4 16 3-8h4'],
  attestation: ['M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z', 'M9 12l2 2 4-4'],
  custody: ['M3 7l9-4 9 4v10l-9 4-9-4z', 'M3 7l9 4 9-4', 'M12 11v10'],
  power: ['M13 2 4 14h7l-1 8 9-12h-7z'],
  audit: ['M9 3h6v3H9z', 'M7 4.5H5V21h14V4.5h-2', 'M9 11h6', 'M9 15h6'],
  settings: ['M4 6h9', 'M17 6h3', 'M4 12h3', 'M11 12h9', 'M4 18h11', 'M19 18h1', circle(15, 6, 2), circle(9, 12, 2), circle(17, 18, 2)],
  search: [circle(11, 11, 7), 'M21 21l-5-5'],
  terminal: ['M4 17l6-5-6-5', 'M12 19h8'],
  close: ['M6 6l12 12', 'M18 6 6 18'],
  sun: [circle(12, 12, 4), 'M12 2v2', 'M12 20v2', 'M2 12h2', 'M20 12h2', 'M4.9 4.9l1.4 1.4', 'M17.7 17.7l1.4 1.4', 'M4.9 19.1l1.4-1.4', 'M17.7 6.3l1.4-1.4'],
  moon: ['M21 13A9 9 0 1 1 11 3a7 7 0 0 0 10 10z'],
  monitor: ['M3 4h18v12H3z', 'M8 20h8', 'M12 16v4'],
  refresh: ['M20 11a8 8 0 0 0-14.9-3.5L4 9', 'M4 4v5h5', 'M4 13a8 8 0 0 0 14.9 3.5L20 15', 'M20 20v-5h-5'],
  plus: ['M12 5v14', 'M5 12h14'],
  check: ['M5 12l5 5 9-10'],
  alert: ['M12 3 22 20H2z', 'M12 10v4', 'M12 17h.01'],
  bell: ['M6 16V11a6 6 0 0 1 12 0v5l2 2H4z', 'M10 20a2 2 0 0 0 4 0'],
  offline: ['M2 2l20 20', 'M8.5 16.4a5 5 0 0 1 7 0', 'M5 12.6a10 10 0 0 1 5-2.7', 'M19 12.6a10 10 0 0 0-2.4-1.7', 'M12 20h.01'],
  online: ['M8.5 16.4a5 5 0 0 1 7 0', 'M5 12.6a10 10 0 0 1 14 0', 'M2 9a15 15 0 0 1 20 0', 'M12 20h.01'],
  copy: ['M9 9h11v11H9z', 'M5 15H4V4h11v1'],
  back: ['M19 12H5', 'M11 18l-6-6 6-6'],
  forward: ['M5 12h14', 'M13 6l6 6-6 6'],
  chevronRight: ['M9 6l6 6-6 6'],
  chevronDown: ['M6 9l6 6 6-6'],
  chevronUp: ['M6 15l6-6 6 6'],
  more: [circle(5, 12, 1), circle(12, 12, 1), circle(19, 12, 1)],
  key: [circle(7, 15, 4), 'M10 12l10-10', 'M16 6l3 3', 'M13.5 8.5l2 2'],
  guests: ['M12 3l9 5-9 5-9-5z', 'M3 13l9 5 9-5'],
  host: ['M7 7h10v10H7z', 'M10 3v4', 'M14 3v4', 'M10 17v4', 'M14 17v4', 'M3 10h4', 'M3 14h4', 'M17 10h4', 'M17 14h4'],
  site: ['M12 21s-7-6.5-7-12a7 7 0 0 1 14 0c0 5.5-7 12-7 12z', circle(12, 9, 2)],
  trash: ['M4 7h16', 'M10 11v6', 'M14 11v6', 'M6 7l1 13h10l1-13', 'M9 7V4h6v3'],
  lock: ['M6 11h12v10H6z', 'M8 11V7a4 4 0 0 1 8 0v4'],
  plug: ['M9 2v6', 'M15 2v6', 'M6 8h12v3a6 6 0 0 1-12 0z', 'M12 17v5'],
  clock: [circle(12, 12, 9), 'M12 7v5l3 2'],
  tasks: ['M9 6h11', 'M9 12h11', 'M9 18h11', 'M4 6h.01', 'M4 12h.01', 'M4 18h.01'],
  info: [circle(12, 12, 9), 'M12 11v5', 'M12 8h.01'],
  filter: ['M3 5h18l-7 8v6l-4 2v-8z'],
} as const satisfies Record<string, readonly string[]>;

export type IconName = keyof typeof ICONS;
