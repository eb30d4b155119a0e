// The volunteer suite (volunteer-suite.mjs) with the edge coordinator: the Worker's Durable Objects
// in workerd, the pages served as the CDN serves them, the dispatcher leasing over HTTP.
import { volunteerSuite } from './volunteer-suite.mjs';

volunteerSuite('edge');
