#!/usr/bin/env python3
"""Module docstring,
over two lines."""

import os  # trailing comment


def f():
    '''Function docstring.'''
    s = "# not a comment"
    return s

# comment
