"""The live feed: the websocket server, who may use it, each client's stream, the commander's actions."""
