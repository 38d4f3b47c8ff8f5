/** Public face of the contract: main, preload and renderer import from here. */
export * from './errors';
export * from './dto';
export * from './attestation';
export * from './audit';
export * from './custody';
export * from './sites';
export * from './survey';
export * from './capacity';
export * from './topology';
export * from './alerts';
export * from './operations';
export * from './tenancy';
export * from './scmp';
export * from './updates';
export * from './channels';
export * from './bridge';
