#!/usr/bin/perl
use strict;
# comment
print "hi\n";

=head1 NAME

pod is documentation

=cut

my $x = 1;
__END__
everything after END is not code
