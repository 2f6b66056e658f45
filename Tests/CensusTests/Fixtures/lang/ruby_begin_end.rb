# comment
=begin
block comment
  still comment
=end
puts "hello" # trailing
x = 1
