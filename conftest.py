pytest_plugins = ["kite_common.testing.plugin"]
