"""End-to-end: `baocao run` talking to fakes of the Zalo APIs on 127.0.0.1."""
