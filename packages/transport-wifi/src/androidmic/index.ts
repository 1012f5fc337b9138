/**
 * AndroidMic (teamclouday/AndroidMic): the phone dials the PC over TCP or UDP and streams PCM
 * in protobuf frames. The server role is the transport; `sendAndroidMic` plays the phone.
 */
export { AndroidMicTransport } from "./transport.js";
export { androidmicOptions, type AndroidMicOptions, type AndroidMicOptionsInput } from "./options.js";
export { sendAndroidMic, type AndroidMicSender, type SendAndroidMicOptions, type AndroidMicSendSummary } from "./phone.js";
