/**
 * What the person does on the phone (电子税务局APP / 个人所得税APP) is done by
 * the engine (`Engine.scan`, `confirm`, `faceFail`, …); a control used where it
 * has no meaning is a mistake in the test or the simulator, and says so.
 */
export class MockControlError extends Error {
  override name = 'MockControlError';
}
