"""Zalo OA and Zalo Bot Platform channels against their fakes."""
