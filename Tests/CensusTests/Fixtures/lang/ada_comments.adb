-- comment
procedure Hello is
   S : constant String := "a ""--"" b"; -- trailing
   C : constant Character := '"';
begin
   null; -- done
end Hello;
