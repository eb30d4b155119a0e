// The volunteer suite (volunteer-suite.mjs) with the dispatcher's own coordinator, /browser.
import { volunteerSuite } from './volunteer-suite.mjs';

volunteerSuite('dispatcher');
