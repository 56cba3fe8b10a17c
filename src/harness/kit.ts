// The harness's public surface for suites: everything a bench/<suite>.ts or src/<suite>/ file
// may import from the harness. Runner, workers, CSV and CLI stay internal, so a suite cannot
// come to depend on how it is run.
export {
  betterOf,
  caseKey,
  defineSuite,
  isUnsupported,
  unsupported,
  type Counter,
  type Gate,
  type LoadCodec,
  type LoadRow,
  type MetricKind,
  type ParamValue,
  type Params,
  type Preparation,
  type Prepared,
  type Profile,
  type SuiteDef,
  type Timed,
  type Unsupported,
} from './suite.js';
export { RNG_ID, Rng } from './rng.js';
export {
  explore,
  formatTrace,
  RETURN_LABEL,
  SPIN_PREFIX,
  type ExploreOptions,
  type ExploreResult,
  type Model,
  type Program,
  type Step,
} from './explore.js';
