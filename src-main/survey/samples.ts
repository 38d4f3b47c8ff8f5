/**
 * A filled-in survey of a small edge site (tests, CLI tests and the e2e's
 * "other engineer"): two standard racks, A/B feeds (one stated
 * line-to-neutral on three phases), a UPS and generator, cooling with inlet
 * readings on both sides of the ASHRAE A1 recommended range.
 */
import { emptySurvey, type SurveyData } from '../../src-preload/contract';

export function sampleSurvey(name = 'Edge site Lyon'): SurveyData {
  const s = emptySurvey(name, 'new');
  return {
    ...s,
    site: { ...s.site, address: '12 Rue de la Gare, 69002 Lyon, France', gps: { lat: 45.7485, lon: 4.8263 } },
    rooms: [{ id: 'room-1', name: 'Ground-floor telecom room', floor: '0', areaM2: 18, notes: 'Raised floor, one door' }],
    racks: [
      { id: 'r1', name: 'Rack R1', roomId: 'room-1', heightU: 42, widthMm: 600, depthMm: 1000, maxLoadKg: 800, clearanceFrontMm: 1200, clearanceRearMm: 800, expectedLoadKW: 3.5 },
      { id: 'r2', name: 'Rack R2', roomId: 'room-1', heightU: 45, widthMm: 600, depthMm: 1000, maxLoadKg: 800, clearanceFrontMm: 900, clearanceRearMm: 800, expectedLoadKW: 2 },
    ],
    power: {
      ...s.power,
      feeds: [
        { id: 'r1-a', name: 'R1 feed A', rackId: 'r1', side: 'A', voltage: 230, voltageType: 'line-to-neutral', amperage: 32, phase: 'single', breakerA: 32, onUps: true },
        { id: 'r1-b', name: 'R1 feed B', rackId: 'r1', side: 'B', voltage: 230, voltageType: 'line-to-neutral', amperage: 32, phase: 'single', breakerA: 32, onUps: true },
        { id: 'r2-a', name: 'R2 feed A', rackId: 'r2', side: 'A', voltage: 230, voltageType: 'line-to-neutral', amperage: 16, phase: 'three', breakerA: 16, onUps: true },
      ],
      ups: { present: true, model: 'APC SRT 10kVA', capacityVA: 10000, capacityW: 10000, runtimeMinutes: 12, redundancy: 'N' },
      generator: { present: true, ratingKVA: 20, fuelHours: 24, autoTransfer: true },
      monitoring: true,
      notes: 'Metered PDUs in R1',
    },
    cooling: {
      capacity: { value: 7, unit: 'kW' },
      kind: 'Split DX units',
      redundant: true,
      inletReadings: [
        { id: 'in-1', location: 'R1 front, top', rackId: 'r1', celsius: 24.5 },
        { id: 'in-2', location: 'R2 front, top', rackId: 'r2', celsius: 28.5 },
      ],
      notes: '',
    },
    network: { uplinks: [{ id: 'up-1', provider: 'Orange Business', medium: 'fibre', bandwidthMbps: 1000, notes: 'Diverse path' }], notes: '' },
    security: { locks: true, biometric: true, cctv: false, notes: 'CCTV planned Q3' },
    cabling: { organised: true, labelled: true, separated: true, notes: '' },
    manual: { energyEfficiency: { status: 'partial', note: 'Old UPS at 92 %' }, powerManagement: { status: 'yes', note: '' } },
    notes: 'Access through the loading bay; keys with the facility manager.',
  };
}
