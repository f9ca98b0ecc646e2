"""The subject of one lesson each: the toy loop, loop debugging, footprints, bursts,
the decision rule, Amdahl's law, kinds of event loop."""
