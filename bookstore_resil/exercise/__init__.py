"""Running a game day: the engine, the probes, the panel, and the two orchestrators
(gameday, drill)."""
