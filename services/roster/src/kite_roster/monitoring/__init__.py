"""防返贫动态监测: early warning, cadre pairing, assistance and clearance, the monitoring ledger."""
