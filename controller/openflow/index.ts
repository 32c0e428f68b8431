/** The OpenFlow 1.3 wire codec: public entry. */
export * from './types.js';
export * from './constants.js';
export { OpenFlowDecodeError, OpenFlowEncodeError } from './errors.js';
export type { OpenFlowDecodeErrorCode, OpenFlowEncodeErrorCode } from './errors.js';
export { decodeMessage, encodeMessage } from './message.js';
export { visitFlowStatsReply } from './flow-stats-visitor.js';
export type { FlowStatsEntry, FlowStatsReplyHeader } from './flow-stats-visitor.js';
export { MessageFramer } from './framer.js';
export { describeError } from './error.js';
export { helloVersions, versionBitmap } from './hello.js';
export { rawOxmKey, matchFieldKeys } from './match.js';
export * from './builders.js';
export { ofpPrint, formatOfpPrint, toPrintable } from './print.js';
export type { PrintedMessage } from './print.js';
