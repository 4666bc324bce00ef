"""Saved views of lists (a name, a condition, columns and a sort), private or shared with the
owner's team, and each user's chosen columns per list."""
